"""A hostile registry points Berth at another host — its token realm, its next page, a redirect —
and the credentials must not arrive there; it answers more than Berth should hold, and Berth stops.

The registry plays on 127.0.0.1, the other host on 127.0.0.2 (another loopback address, so another
host name), both small servers that write down every request they get."""

import gzip
import hashlib
import json

import pytest

from portal.registries.client import RegistryClient, registry
from portal.registries.client.errors import AnswerTooLarge, NotARegistry, UntrustedHost
from portal.registries.client.manifests import DOCKER_LIST, DOCKER_MANIFEST

from ..fake_registry import (
    BASIC,
    PASSWORD,
    TOKEN,
    USER,
    Answer,
    basic_registry,
    bearer_registry,
    credentials_arrived,
    json_answer,
)

# --- the token realm --------------------------------------------------------------------------------


def test_a_token_realm_on_another_host_over_plain_http_gets_nothing(hostile, elsewhere):
    elsewhere.route("/token", json_answer(200, {"token": TOKEN}))
    bearer_registry(hostile, f"{elsewhere.url}/token")

    for learning in (False, True):
        client = RegistryClient(hostile.url, USER, PASSWORD, learn_realm=learning)
        with pytest.raises(UntrustedHost, match="another host over plain HTTP"):
            client.check()

    assert elsewhere.seen == []


def test_a_token_realm_on_another_host_gets_credentials_only_once_pinned(hostile, elsewhere_tls):
    elsewhere_tls.route("/token", json_answer(200, {"token": TOKEN}))
    realm = f"{elsewhere_tls.url}/token"
    bearer_registry(hostile, realm)

    def client(**pin):
        return RegistryClient(hostile.url, USER, PASSWORD, verify_tls=False, **pin)

    with pytest.raises(UntrustedHost, match="none was approved when it was saved"):
        client().check()
    with pytest.raises(UntrustedHost, match="not the one approved"):
        client(token_realm="https://auth.example.com/token").check()
    assert elsewhere_tls.seen == []

    learned = client(learn_realm=True).check()  # the check made when an admin saves the registry
    pinned = client(token_realm=realm).check()

    assert learned.token_realm == realm and realm in learned.message
    assert pinned.authenticated and pinned.token_realm == realm
    assert [seen.authorization for seen in elsewhere_tls.seen] == [BASIC, BASIC]


def test_a_token_realm_on_the_registrys_own_host_needs_no_pin(hostile):
    hostile.route("/token", json_answer(200, {"token": TOKEN}))
    bearer_registry(hostile, f"http://127.0.0.1:{hostile.url.rsplit(':', 1)[1]}/token")

    result = RegistryClient(hostile.url, USER, PASSWORD).check()

    assert result.authenticated and result.token_realm == ""


# --- pages and redirects ----------------------------------------------------------------------------


def test_a_next_page_on_another_host_is_not_followed(hostile, elsewhere):
    elsewhere.route("/v2/", json_answer(200, {"repositories": ["stolen"]}))
    link = f'<{elsewhere.url}/v2/_catalog?last=a&n=1000>; rel="next"'
    basic_registry(hostile, {"/v2/_catalog": json_answer(200, {"repositories": ["a"]}, Link=link)})

    with pytest.raises(UntrustedHost, match="next page of /v2/_catalog on another host"):
        RegistryClient(hostile.url, USER, PASSWORD).catalog()

    assert elsewhere.seen == []


def test_pages_that_never_end_are_stopped(hostile, monkeypatch):
    monkeypatch.setattr(registry, "MAX_PAGES", 5)
    link = '</v2/_catalog?n=1000&last=a>; rel="next"'
    basic_registry(hostile, {"/v2/_catalog": json_answer(200, {"repositories": ["a"]}, Link=link)})

    names = RegistryClient(hostile.url, USER, PASSWORD).catalog()

    assert names == ["a"] * 5
    assert len([seen for seen in hostile.seen if seen.path.startswith("/v2/_catalog")]) <= 6


def test_a_redirect_to_another_host_is_not_followed_with_the_credentials(hostile, elsewhere, elsewhere_tls):
    for other in (elsewhere, elsewhere_tls):
        other.route("/", json_answer(200, {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST}))
    basic_registry(
        hostile,
        {
            "/v2/team/app/manifests/plain": Answer(307, {"Location": f"{elsewhere.url}/v2/team/app/manifests/plain"}),
            "/v2/team/app/manifests/tls": Answer(302, {"Location": f"{elsewhere_tls.url}/manifest"}),
        },
    )
    client = RegistryClient(hostile.url, USER, PASSWORD, verify_tls=False)

    for tag in ("plain", "tls"):
        with pytest.raises(UntrustedHost, match="another host: Berth does not follow it"):
            client.manifest("team/app", tag)

    assert elsewhere.seen == [] and elsewhere_tls.seen == []


def test_a_blob_sent_elsewhere_is_fetched_bare_over_https_and_checked_by_its_digest(hostile, elsewhere, elsewhere_tls):
    config = json.dumps({"architecture": "arm64", "os": "linux", "created": "2026-01-02T03:04:05Z"}).encode()
    digest = "sha256:" + hashlib.sha256(config).hexdigest()
    forged = "sha256:" + "0" * 64
    elsewhere_tls.route("/cdn/", Answer(200, {"Content-Type": "application/octet-stream"}, config))
    basic_registry(
        hostile,
        {
            f"/v2/team/app/blobs/{digest}": Answer(307, {"Location": f"{elsewhere_tls.url}/cdn/{digest}"}),
            f"/v2/team/app/blobs/{forged}": Answer(307, {"Location": f"{elsewhere_tls.url}/cdn/{forged}"}),
            "/v2/team/plain/blobs/": Answer(307, {"Location": f"{elsewhere.url}/cdn/{digest}"}),
        },
    )
    client = RegistryClient(hostile.url, USER, PASSWORD, verify_tls=False)

    assert client.config("team/app", digest)["architecture"] == "arm64"
    with pytest.raises(NotARegistry, match="does not match its digest"):
        client.config("team/app", forged)
    with pytest.raises(UntrustedHost):  # a fresh client: the first one keeps that config, by digest
        RegistryClient(hostile.url, USER, PASSWORD).config("team/plain", digest)

    assert [seen.path for seen in elsewhere_tls.seen] == [f"/cdn/{digest}", f"/cdn/{forged}"]
    assert credentials_arrived(elsewhere_tls) == [] and elsewhere.seen == []
    assert any(seen.authorization == BASIC for seen in hostile.seen if "/blobs/" in seen.path)


# --- sizes --------------------------------------------------------------------------------------------


def test_an_answer_over_the_cap_is_refused_however_it_is_sent(hostile):
    huge = json.dumps({"schemaVersion": 2, "pad": "x" * (5 * 1024 * 1024)}).encode()
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MiB of JSON whitespace in about 64 KB
    basic_registry(
        hostile,
        {
            "/v2/team/app/manifests/huge": Answer(200, {"Content-Type": DOCKER_MANIFEST}, huge),
            "/v2/team/app/manifests/bomb": Answer(
                200, {"Content-Type": DOCKER_MANIFEST, "Content-Encoding": "gzip"}, bomb
            ),
        },
    )
    client = RegistryClient(hostile.url, USER, PASSWORD)

    for tag in ("huge", "bomb"):
        with pytest.raises(AnswerTooLarge, match="more than 4 MiB"):
            client.manifest("team/app", tag)
    assert len(bomb) < 100_000


def test_a_manifest_list_of_many_platforms_is_read_only_up_to_the_cap(hostile):
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    image = json.dumps(
        {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST, "config": {"digest": config_digest, "size": len(config)}}
    ).encode()
    platforms = [
        {"digest": f"sha256:{i:064x}", "mediaType": DOCKER_MANIFEST, "platform": {"architecture": f"a{i}", "os": "x"}}
        for i in range(500)
    ]
    listing = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": platforms}).encode()
    basic_registry(
        hostile,
        {
            "/v2/team/app/manifests/many": Answer(200, {"Content-Type": DOCKER_LIST}, listing),
            "/v2/team/app/manifests/sha256:": Answer(200, {"Content-Type": DOCKER_MANIFEST}, image),
            "/v2/team/app/blobs/": Answer(200, {}, config),
        },
    )

    details = RegistryClient(hostile.url, USER, PASSWORD).tag("team/app", "many")

    assert len(details.platforms) == registry.MAX_PLATFORMS
    asked = [seen for seen in hostile.seen if "/manifests/sha256:" in seen.path and seen.authorization]
    assert len(asked) == registry.MAX_PLATFORMS
