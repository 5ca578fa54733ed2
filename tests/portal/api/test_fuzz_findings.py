"""What schemathesis found (tests/portal/api/test_schema_fuzz.py): 500s, HTML under /api/, a
download that broke off; each is now a JSON refusal or a sentence."""

import pytest
import redis
from asgiref.sync import async_to_sync

from tests.portal.audit.factories import make_event
from tests.portal.factories import make_binding, make_container, make_online_host, make_team, make_user

pytestmark = pytest.mark.django_db

TOO_LARGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/containers/", "/api/v1/images/", "/api/v1/operations/", "/api/v1/sessions/"],
)
def test_a_host_filter_too_large_for_an_id_is_a_400_not_a_500(as_admin, url):
    make_container(make_online_host("web-1"))

    response = as_admin.get(url, {"host": TOO_LARGE})

    assert response.status_code == 400
    assert response.json()["detail"] == f"host: '{TOO_LARGE}' is too large a number."
    assert as_admin.get(url, {"host": "-" + TOO_LARGE}).status_code == 400


@pytest.mark.parametrize("name", ["host", "user"])
def test_an_audit_filter_too_large_for_an_id_finds_no_event_instead_of_a_500(as_admin, name):
    """The audit's host and user filters take an id or a name: too large a number is a name."""
    make_event("host.change", host=make_online_host("web-1"))

    response = as_admin.get("/api/v1/audit/", {name: TOO_LARGE})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "path", ["/api/v1/containers/1.5/", "/api/v1/audit/-6.2e-61/", "/api/v1/nothing-here/", "/api/v2/"]
)
def test_a_path_no_route_matches_under_api_is_a_json_404(as_admin, path):
    response = as_admin.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found, or not visible to you.", "code": "not_found"}


def test_a_page_no_route_matches_is_still_an_html_404(as_admin):
    response = as_admin.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_binding_naming_a_host_id_too_large_for_an_id_is_a_400_not_a_500(as_admin):
    team = make_team(make_user())
    binding = make_binding(team, "viewer", make_online_host("web-1"))

    response = as_admin.patch(
        f"/api/v1/teams/{team.pk}/bindings/{binding.pk}/", {"hosts": [int(TOO_LARGE)]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == f"hosts: No host with id {TOO_LARGE}."


async def body_of(response) -> str:
    return b"".join([chunk async for chunk in response.streaming_content]).decode()


def test_a_logs_download_whose_broker_is_unreachable_ends_with_a_sentence_not_a_broken_answer(as_admin, monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("portal.ws.streams.StreamClient.open", unreachable)
    container = make_container(make_online_host("web-1"), "app")

    response = as_admin.get(f"/api/v1/containers/{container.pk}/logs/")

    assert response.status_code == 200
    assert async_to_sync(body_of)(response) == (
        "\n[Berth] Berth cannot reach its broker (Error 111 connecting to 127.0.0.1:6379. Connection refused.): "
        "the logs are incomplete.\n"
    )
