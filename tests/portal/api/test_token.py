"""POST /api/v1/auth/token/ and `Authorization: Token <key>`."""

import pytest

from portal.accounts.models import PersonalToken
from tests.portal.factories import PASSWORD, make_superuser, make_token, make_user

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
HOSTS_URL = "/api/v1/hosts/"


def test_good_credentials_give_a_token_that_authenticates(api):
    make_superuser("ada")

    response = api.post(TOKEN_URL, {"username": "ada", "password": PASSWORD}, format="json")

    assert response.status_code == 201
    key = response.json()["token"]
    assert key.startswith("berth_")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(HOSTS_URL).status_code == 200


def test_only_a_hash_of_the_key_is_stored(api):
    make_user("ada")

    key = api.post(TOKEN_URL, {"username": "ada", "password": PASSWORD, "name": "ci"}, format="json").json()["token"]

    token = PersonalToken.objects.get(user__username="ada")
    assert token.name == "ci"
    stored = [str(value) for value in PersonalToken.objects.filter(pk=token.pk).values().get().values()]
    assert all(key not in value for value in stored)
    assert key.startswith(token.key_prefix)


def test_bad_credentials_are_a_400_with_a_readable_detail(api):
    make_user("ada")

    response = api.post(TOKEN_URL, {"username": "ada", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to log in with the username and password given.",
        "code": "invalid_credentials",
    }
    assert not PersonalToken.objects.exists()


def test_an_inactive_user_cannot_get_a_token(api):
    make_user("ada", is_active=False)

    response = api.post(TOKEN_URL, {"username": "ada", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_a_missing_password_names_the_field(api):
    response = api.post(TOKEN_URL, {"username": "ada"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "password: This field is required."
    assert body["code"] == "required"


def test_a_malformed_body_is_a_400_not_a_500(api):
    response = api.post(TOKEN_URL, data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_the_token_of_a_user_made_inactive_is_refused(api):
    user = make_superuser("ada")
    key = make_token(user)
    user.is_active = False
    user.save()

    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get(HOSTS_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "This token is unknown, revoked or expired.", "code": "authentication_failed"}


@pytest.mark.parametrize(
    "header",
    ["Token berth_not-a-real-key", "Token", "Token two parts"],
    ids=["unknown key", "no key", "key with spaces"],
)
def test_a_bad_token_header_is_a_401(api, header):
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get(HOSTS_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_using_a_token_records_when_it_was_last_used(api):
    key = make_token(make_superuser())
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    api.get(HOSTS_URL)

    assert PersonalToken.objects.get().last_used_at is not None
