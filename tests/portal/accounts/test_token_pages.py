"""The API tokens page: any logged-in user's own tokens; the key shown once, in a copyable box."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portal.accounts.models import PersonalToken
from portal.audit.models import AuditEvent
from tests.portal.factories import make_token, make_user
from tests.portal.teams.people import browser_as

pytestmark = pytest.mark.django_db


def key_on(page: str) -> str | None:
    marker = 'id="new-token-key" value="'
    if marker not in page:
        return None
    return page.split(marker, 1)[1].split('"', 1)[0]


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in():
    response = Client().get(reverse("token-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_with_no_role_sees_only_their_own_tokens():
    ada = make_user("ada")
    make_token(ada, "ada's laptop")
    make_token(make_user("bob"), "bob's laptop")

    page = browser_as(ada).get(reverse("token-list")).content.decode()

    assert "ada&#x27;s laptop" in page
    assert "bob" not in page


def test_a_new_tokens_key_is_shown_once_and_works():
    browser = browser_as(make_user("ada"))

    created = browser.post(reverse("token-list"), {"name": "ci", "expires_in": "30"})

    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    page = created.content.decode()
    assert "you will not see it again" in page
    key = key_on(page)
    assert key and key.startswith("berth_")
    token = PersonalToken.objects.get(name="ci")
    assert token.expires_at is not None
    assert key not in str(list(PersonalToken.objects.values()))

    again = browser.get(reverse("token-list")).content.decode()
    assert key_on(again) is None
    assert key not in again
    assert token.key_prefix in again

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/hosts/").status_code == 200


def test_a_token_without_a_name_shows_the_error_and_makes_nothing():
    response = browser_as(make_user()).post(reverse("token-list"), {"name": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert key_on(response.content.decode()) is None
    assert not PersonalToken.objects.exists()


def test_an_unknown_expiry_shows_the_error_and_makes_nothing():
    response = browser_as(make_user()).post(reverse("token-list"), {"name": "ci", "expires_in": "9999"})

    assert "Select a valid choice." in response.content.decode()
    assert not PersonalToken.objects.exists()


def test_revoking_a_token_makes_it_fail_at_once():
    ada = make_user("ada")
    key = make_token(ada, "ci")
    token = PersonalToken.objects.get()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/hosts/").status_code == 200

    response = browser_as(ada).post(reverse("token-revoke", args=[token.pk]), follow=True)

    assert "Token ci revoked" in response.content.decode()
    assert client.get("/api/v1/hosts/").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", target_id=str(token.pk)).exists()


def test_another_users_token_cannot_be_revoked():
    make_token(make_user("bob"), "bob's")
    token = PersonalToken.objects.get()

    response = browser_as(make_user("ada")).post(reverse("token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert PersonalToken.objects.filter(pk=token.pk).exists()


def test_revoking_is_a_post():
    ada = make_user("ada")
    make_token(ada)
    token = PersonalToken.objects.get()

    assert browser_as(ada).get(reverse("token-revoke", args=[token.pk])).status_code == 405
    assert PersonalToken.objects.exists()
