"""GET /api/v1/containers/{id}/logs/: who may download, and bad requests answered with a sentence.
The text itself comes from a real host worker: tests/integration/test_container_streams.py."""

import logging

import pytest
from django.utils import timezone

from tests.portal.factories import make_container, make_offline_host, make_online_host, make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def container():
    return make_container(make_online_host("web-1"), "app")


def url(container) -> str:
    return f"/api/v1/containers/{container.pk}/logs/"


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"tail": "-1"}, "tail must be a number of lines from 0 to 100,000, or all (got '-1')."),
        ({"tail": "1000001"}, "tail must be a number of lines from 0 to 100,000, or all (got '1000001')."),
        ({"since": "yesterday"}, "since must be a Unix time in seconds"),
        ({"since": "2026-01-31T12:00:00"}, "since must be a Unix time in seconds"),
        ({"timestamps": "maybe"}, "timestamps must be 1 or 0 (got 'maybe')."),
    ],
)
def test_a_bad_query_is_a_400_saying_which_value(as_admin, container, query, sentence):
    response = as_admin.get(url(container), query)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(sentence)
    assert response.json()["code"] == "invalid"


def test_a_host_that_is_offline_is_a_503_naming_it_and_logged_as_a_refusal_not_an_error(as_admin, caplog):
    container = make_container(make_offline_host("web-9"), "app")

    with caplog.at_level(logging.INFO):
        response = as_admin.get(url(container))

    assert [(r.name, r.levelname) for r in caplog.records if r.name.startswith(("django", "portal.api"))] == [
        ("portal.api.errors", "INFO")
    ]
    assert "(503 host_offline): Host web-9 is offline" in caplog.records[-1].getMessage()

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Host web-9 is offline (its worker is not answering): its containers' logs cannot be read now.",
        "code": "host_offline",
    }


def test_a_removed_container_is_a_404(as_admin, container):
    container.removed_at = timezone.now()
    container.save()

    response = as_admin.get(url(container))

    assert response.status_code == 404
    assert response.json()["detail"] == "This container was removed; its logs went with it."


def test_a_user_who_may_not_see_the_host_gets_a_404(api, container, viewer_on):
    user = viewer_on(make_superuser("not-really"), make_online_host("web-2"))
    user.is_superuser = False
    user.save()
    api.force_authenticate(user)

    assert api.get(url(container)).status_code == 404


def test_anonymous_is_a_401(api, container):
    assert api.get(url(container)).status_code == 401
