"""Tokens expire: a token made without an expiry gets the default lifetime (BERTH_TOKEN_DAYS), and
an expired token is refused with a 401 that says so."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.accounts.models import PersonalToken
from tests.portal.factories import PASSWORD, make_token, make_user
from tests.portal.teams.people import api_as

pytestmark = pytest.mark.django_db


def within_a_minute(moment, expected) -> bool:
    return abs((moment - expected).total_seconds()) < 60


def test_a_token_made_without_an_expiry_expires_after_the_default_lifetime(settings):
    settings.BERTH_TOKEN_DAYS = 30
    ada = make_user("ada")

    by_api = api_as(ada).post("/api/v1/tokens/", {"name": "ci"}, format="json").json()
    by_password = (
        APIClient().post("/api/v1/auth/token/", {"username": "ada", "password": PASSWORD}, format="json").json()
    )
    page = Client()
    page.force_login(ada)
    page.post("/tokens/", {"name": "from the page", "expires_in": ""})

    in_30_days = timezone.now() + timedelta(days=30)
    for token in PersonalToken.objects.filter(user=ada):
        assert within_a_minute(token.expires_at, in_30_days), token.name
    assert by_api["expires_at"] is not None and by_password["name"] == "API token"


def test_the_default_lifetime_is_90_days_and_a_chosen_expiry_is_kept(settings):
    ada = make_user("ada")
    chosen = timezone.now() + timedelta(days=400)

    default = api_as(ada).post("/api/v1/tokens/", {"name": "ci"}, format="json").json()
    long = api_as(ada).post("/api/v1/tokens/", {"name": "long", "expires_at": chosen.isoformat()}, format="json")

    assert settings.BERTH_TOKEN_DAYS == 90
    assert within_a_minute(PersonalToken.objects.get(pk=default["id"]).expires_at, timezone.now() + timedelta(days=90))
    assert within_a_minute(PersonalToken.objects.get(pk=long.json()["id"]).expires_at, chosen)


def test_the_page_offers_never_only_without_a_default_lifetime(settings):
    page = Client()
    page.force_login(make_user("ada"))

    assert "In 90 days (the default)" in page.get("/tokens/").content.decode()
    assert ">Never<" not in page.get("/tokens/").content.decode()
    settings.BERTH_TOKEN_DAYS = 0
    assert ">Never<" in page.get("/tokens/").content.decode()


def test_an_expired_token_is_refused_with_a_401_that_says_it_expired():
    ada = make_user("ada")
    key = make_token(ada, "ci")
    PersonalToken.objects.filter(user=ada).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get("/api/v1/hosts/")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["detail"].startswith(f"This token (ci, {key[:12]}…) expired at ")
    assert "Make a new one" in body["detail"]
    assert response["WWW-Authenticate"] == "Token"
