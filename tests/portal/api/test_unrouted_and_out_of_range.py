"""Answers schemathesis found to be 500s or HTML under /api/ (tests/portal/api/test_schema_fuzz.py):
each is now a JSON refusal."""

import pytest

from tests.portal.audit.factories import make_event
from tests.portal.factories import make_container, make_online_host

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
