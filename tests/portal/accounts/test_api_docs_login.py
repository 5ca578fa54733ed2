"""The OpenAPI schema and the API docs are for those logged in, like the API they describe."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.portal.factories import make_token, make_user

pytestmark = pytest.mark.django_db


def test_the_schema_and_the_docs_refuse_anyone_not_logged_in():
    schema = APIClient().get("/api/schema/")
    docs = Client().get("/api/docs/")

    assert schema.status_code == 401 and b"not_authenticated" in schema.content
    assert docs.status_code == 302 and docs["Location"] == "/login/?next=/api/docs/"
    assert Client().get("/api/docs/?script=").status_code == 302


def test_a_logged_in_user_reads_the_docs_and_a_token_reads_the_schema():
    ada = make_user("ada")
    browser = Client()
    browser.force_login(ada)
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {make_token(ada, 'ci')}")

    docs = browser.get("/api/docs/")
    schema = script.get("/api/schema/")

    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"<script>" not in docs.content  # its script is a file: nothing inline for the CSP to forbid
    assert browser.get("/api/docs/?script=").status_code == 200
    assert schema.status_code == 200 and b"title: Berth API" in schema.content
