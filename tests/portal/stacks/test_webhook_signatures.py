"""A git stack's webhook signatures (portal/stacks/webhook_signatures.py): GitHub's, Gitea's and
GitLab's each accepted when made with the stack's secret and refused (403, a sentence) with another
secret, a changed body, a malformed header or none; a replayed body is still valid (a fetch of the
same commit does nothing)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from portal.stacks.webhook_signatures import WebhookRefused, pushed_ref, verified_provider

SECRET = "s3cret-of-the-stack"
BODY = json.dumps({"ref": "refs/heads/main", "after": "a" * 40}).encode()


def hub(secret: str, body: bytes = BODY) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def gitea(secret: str, body: bytes = BODY) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("headers", "provider"),
    [
        ({"X-Hub-Signature-256": hub(SECRET)}, "github"),
        ({"X-Gitea-Signature": gitea(SECRET)}, "gitea"),
        ({"X-Gitlab-Token": SECRET}, "gitlab"),
        ({"X-Berth-Webhook-Secret": SECRET}, "berth"),
        # Gitea sends both of its headers: both must hold.
        ({"X-Gitea-Signature": gitea(SECRET), "X-Hub-Signature-256": hub(SECRET)}, "github"),
    ],
)
def test_each_providers_signature_made_with_the_secret_is_accepted(headers, provider):
    assert verified_provider(headers, BODY, SECRET) == provider


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Hub-Signature-256": hub("another secret")},
        {"X-Gitea-Signature": gitea("another secret")},
        {"X-Gitlab-Token": "another secret"},
        {"X-Berth-Webhook-Secret": SECRET + "x"},
        {"X-Hub-Signature-256": hub(SECRET, BODY + b" ")},  # the body changed after signing
        {"X-Hub-Signature-256": "sha1=" + gitea(SECRET)},
        {"X-Hub-Signature-256": gitea(SECRET)},  # no scheme
        {"X-Hub-Signature-256": ""},
        {"X-Gitea-Signature": gitea(SECRET), "X-Hub-Signature-256": hub("another")},  # one of two wrong
    ],
    ids=["github", "gitea", "gitlab", "berth", "changed-body", "sha1", "no-scheme", "empty", "one-of-two"],
)
def test_a_wrong_signature_is_a_403_with_a_sentence(headers):
    with pytest.raises(WebhookRefused) as refused:
        verified_provider(headers, BODY, SECRET)

    assert refused.value.status == 403
    assert "secret" in refused.value.sentence or "signature" in refused.value.sentence
    assert SECRET not in refused.value.sentence


def test_no_signature_header_at_all_is_refused_naming_what_is_accepted():
    with pytest.raises(WebhookRefused) as refused:
        verified_provider({"X-GitHub-Event": "push"}, BODY, SECRET)

    assert "X-Hub-Signature-256" in refused.value.sentence and "X-Gitlab-Token" in refused.value.sentence


def test_a_stack_without_a_secret_accepts_nothing():
    with pytest.raises(WebhookRefused):
        verified_provider({"X-Gitlab-Token": ""}, BODY, "")


def test_a_replayed_body_with_its_old_signature_is_still_valid():
    signature = hub(SECRET)

    assert verified_provider({"X-Hub-Signature-256": signature}, BODY, SECRET) == "github"
    assert verified_provider({"X-Hub-Signature-256": signature}, BODY, SECRET) == "github"


def test_the_pushed_ref_is_read_from_json_or_a_form_payload_and_none_from_anything_else():
    assert pushed_ref(BODY, "application/json") == "refs/heads/main"
    form = b"payload=" + json.dumps({"ref": "refs/tags/v2"}).encode().replace(b"/", b"%2F")
    assert pushed_ref(form, "application/x-www-form-urlencoded") == "refs/tags/v2"
    assert pushed_ref(b"\xff not json", "application/json") is None
    assert pushed_ref(b"[1, 2]", "application/json") is None
    assert pushed_ref(b"", "application/json") is None
