"""Signatures bind a message to its sender and to what it claims to be; sealed secrets open only
with their host's key."""

import pytest

from wire.keys import HostKeys, InvalidKey, PortalKey, VerifyKey
from wire.sealing import CannotUnseal, seal, unseal
from wire.signing import (
    report_signed_by,
    sign_report,
    sign_task,
    task_signed_by_portal,
)

PORTAL = PortalKey.generate()
HOST_A = HostKeys.generate()
HOST_B = HostKeys.generate()


def verify_key(keys: HostKeys) -> VerifyKey:
    return VerifyKey.from_text(keys.public().verify)


def test_given_keys_as_text_when_read_back_then_they_are_the_same_keys():
    assert HostKeys.from_text(HOST_A.to_text()).public() == HOST_A.public()
    assert PortalKey.from_text(PORTAL.to_text()).public().to_text() == PORTAL.public().to_text()
    for text in ("", "berth-host-key-1:abc", PORTAL.to_text()):
        with pytest.raises(InvalidKey):
            HostKeys.from_text(text)


def test_given_a_task_signed_by_the_portal_then_only_its_host_accepts_it_unaltered():
    kwargs = {"operation": {"id": 1, "kind": "image.pull", "params": {}}, "auth_config": None}
    signed = sign_task(PORTAL, "berth.host.operation", "web-1", kwargs)
    public = PORTAL.public()

    assert task_signed_by_portal(public, "berth.host.operation", "web-1", signed) == kwargs
    assert task_signed_by_portal(public, "berth.host.operation", "web-2", signed) is None
    assert task_signed_by_portal(public, "berth.host.other", "web-1", signed) is None
    assert task_signed_by_portal(public, "berth.host.operation", "web-1", kwargs) is None
    altered = {**signed, "operation": {"id": 1, "kind": "container.run", "params": {}}}
    assert task_signed_by_portal(public, "berth.host.operation", "web-1", altered) is None
    forged = sign_task(PortalKey.generate(), "berth.host.operation", "web-1", kwargs)
    assert task_signed_by_portal(public, "berth.host.operation", "web-1", forged) is None


def test_given_a_report_then_it_verifies_only_with_the_key_of_the_host_that_signed_it():
    report = {"kind": "hello", "host": "b", "seq": 1}
    by_a = sign_report(HOST_A, report)

    assert report_signed_by(verify_key(HOST_A), report, by_a)
    assert not report_signed_by(verify_key(HOST_B), report, by_a)
    assert not report_signed_by(verify_key(HOST_A), {**report, "seq": 2}, by_a)
    assert not report_signed_by(verify_key(HOST_A), report, None)
    assert not report_signed_by(verify_key(HOST_A), report, "not base64 !")


def test_given_a_secret_sealed_to_a_host_then_only_that_host_opens_it():
    secret = {"username": "u", "password": "s3cret-pass"}
    sealed = seal(HOST_A.public().seal, secret)

    assert "s3cret-pass" not in sealed
    assert unseal(HOST_A, sealed) == secret
    with pytest.raises(CannotUnseal):
        unseal(HOST_B, sealed)
    with pytest.raises(CannotUnseal):
        unseal(HOST_A, sealed[:-4] + "AAAA")
    with pytest.raises(CannotUnseal):
        unseal(HOST_A, {"password": "plain"})
