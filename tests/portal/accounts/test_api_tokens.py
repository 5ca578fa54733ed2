"""/api/v1/tokens/: one's own personal tokens. The key is shown once, stored hashed, and a
revoked token stops working at once."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.models import PersonalToken
from portal.audit.models import AuditEvent
from tests.portal.factories import make_superuser, make_token, make_user
from tests.portal.teams.people import api_as

pytestmark = pytest.mark.django_db

TOKENS_URL = "/api/v1/tokens/"


def token_url(token) -> str:
    return f"{TOKENS_URL}{token.pk}/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- without permission ----------------------------------------------------------------------


def test_without_credentials_tokens_are_a_401(api):
    assert api.get(TOKENS_URL).status_code == 401
    assert api.post(TOKENS_URL, {"name": "ci"}, format="json").status_code == 401


def test_another_users_token_does_not_exist_for_you():
    ada, bob = make_user("ada"), make_user("bob")
    make_token(ada, "ada's")
    [token] = PersonalToken.objects.filter(user=ada)
    client = api_as(bob)

    assert client.get(TOKENS_URL).json()["count"] == 0
    assert client.get(token_url(token)).status_code == 404
    assert client.delete(token_url(token)).status_code == 404
    assert PersonalToken.objects.filter(pk=token.pk).exists()


def test_a_superuser_does_not_see_other_peoples_tokens_either(as_admin):
    make_token(make_user("ada"))

    assert as_admin.get(TOKENS_URL).json()["count"] == 0


# --- with permission: any logged-in user, on their own tokens --------------------------------


def test_a_user_with_no_role_creates_a_token_and_sees_its_key_once(settings):
    settings.BERTH_TOKEN_DAYS = 0  # no default lifetime: a token made without an expiry has none
    ada = make_user("ada")
    client = api_as(ada)

    created = client.post(TOKENS_URL, {"name": "ci"}, format="json")

    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith(body["prefix"])
    assert (body["name"], body["expires_at"], body["last_used_at"], body["expired"]) == ("ci", None, None, False)

    listed = client.get(TOKENS_URL).json()["results"]
    one = client.get(f"{TOKENS_URL}{body['id']}/").json()
    for shown in (listed[0], one):
        assert "key" not in shown
        assert key not in json.dumps(shown)
        assert set(shown) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expired"}


def test_only_a_hash_of_the_key_is_stored():
    key = api_as(make_user("ada")).post(TOKENS_URL, {"name": "ci"}, format="json").json()["key"]

    stored = json.dumps(list(PersonalToken.objects.values()), default=str)

    assert key not in stored
    assert key[12:] not in stored


def test_a_new_token_authenticates_and_its_last_use_shows():
    client = api_as(make_user("ada"))
    key = client.post(TOKENS_URL, {"name": "ci"}, format="json").json()["key"]

    assert with_key(key).get("/api/v1/hosts/").status_code == 200

    [token] = client.get(TOKENS_URL).json()["results"]
    assert token["last_used_at"] is not None


def test_a_token_with_an_expiry_stops_working_after_it():
    client = api_as(make_user("ada"))
    expires = timezone.now() + timedelta(days=30)

    body = client.post(TOKENS_URL, {"name": "ci", "expires_at": expires.isoformat()}, format="json").json()
    assert with_key(body["key"]).get(TOKENS_URL).status_code == 200

    PersonalToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert with_key(body["key"]).get(TOKENS_URL).status_code == 401
    assert client.get(TOKENS_URL).json()["results"][0]["expired"] is True


def test_revoking_a_token_makes_it_fail_at_once():
    ada = make_user("ada")
    key = make_token(ada, "ci")
    token = PersonalToken.objects.get(user=ada)
    assert with_key(key).get("/api/v1/hosts/").status_code == 200

    response = api_as(ada).delete(token_url(token))

    assert response.status_code == 204
    refused = with_key(key).get("/api/v1/hosts/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This token is unknown, revoked or expired."


def test_a_token_can_revoke_itself():
    key = make_token(make_user("ada"), "leaked")
    token = PersonalToken.objects.get()

    assert with_key(key).delete(token_url(token)).status_code == 204
    assert with_key(key).get(TOKENS_URL).status_code == 401


def test_a_user_lists_only_their_own_tokens_newest_first():
    ada = make_user("ada")
    make_token(ada, "first")
    make_token(ada, "second")
    make_token(make_user("bob"), "bob's")

    names = [t["name"] for t in api_as(ada).get(TOKENS_URL).json()["results"]]

    assert names == ["second", "first"]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "name: This field is required."),
        ({"name": ""}, "name: This field may not be blank."),
        ({"name": "x" * 101}, "name: Ensure this field has no more than 100 characters."),
        ({"name": "ci", "expires_at": "tomorrow"}, "expires_at: Datetime has wrong format."),
        ({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at: A token's expiry must be in the future."),
    ],
)
def test_a_bad_token_is_a_400_saying_what_is_wrong(payload, detail):
    response = api_as(make_user()).post(TOKENS_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not PersonalToken.objects.exists()


# --- audit -----------------------------------------------------------------------------------


def test_creating_and_revoking_a_token_is_audited_without_the_key(settings):
    settings.BERTH_TOKEN_DAYS = 0  # no default lifetime: a token made without an expiry has none
    client = api_as(make_superuser("root"))

    body = client.post(TOKENS_URL, {"name": "ci"}, format="json").json()
    client.delete(f"{TOKENS_URL}{body['id']}/")

    events = AuditEvent.objects.filter(action__startswith="token.").order_by("pk")
    assert [(e.action, e.username, e.target_type, e.target_id) for e in events] == [
        ("token.create", "root", "personaltoken", str(body["id"])),
        ("token.revoke", "root", "personaltoken", str(body["id"])),
    ]
    assert events[0].detail == {"name": "ci", "prefix": body["prefix"], "expires_at": None}
    written = json.dumps(list(events.values()), default=str)
    assert body["key"] not in written
    assert PersonalToken.objects.count() == 0


def test_a_token_cannot_mint_another_token():
    # Given a key that leaked
    key = api_as(make_user("ada")).post(TOKENS_URL, {"name": "ci"}, format="json").json()["key"]

    # When it is used to create a successor
    response = with_key(key).post(TOKENS_URL, {"name": "spare"}, format="json")

    # Then it is refused, saying how to get one, and nothing was made
    assert response.status_code == 403
    assert "cannot create tokens" in response.json()["detail"]
    assert PersonalToken.objects.filter(name="spare").count() == 0
