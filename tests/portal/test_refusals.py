"""One refusal, three doors: the API's JSON error, a page with the status, a socket's close code."""

import pytest
from django.test import RequestFactory
from rest_framework.views import APIView

from portal.api.errors import exception_handler
from portal.hosts.errors import HostOffline
from portal.refusal_pages import RefusalPageMiddleware
from portal.refusals import Conflict, Refusal
from tests.portal.factories import make_offline_host, make_superuser


def test_the_api_answers_a_refusal_with_its_status_code_and_sentence():
    response = exception_handler(Conflict("Container web is not running.", "not_running"), {"view": APIView()})

    assert (response.status_code, response.data) == (
        409,
        {"detail": "Container web is not running.", "code": "not_running"},
    )


def test_a_socket_closes_with_4000_plus_the_status():
    assert [Refusal("x", status=s).close_code for s in (400, 401, 403, 404, 409, 503)] == [
        4400,
        4401,
        4403,
        4404,
        4409,
        4503,
    ]
    assert len(Refusal("x" * 500).close_reason) <= 123


@pytest.mark.django_db
def test_a_page_whose_view_lets_a_refusal_through_answers_with_its_status_and_sentence():
    request = RequestFactory().get("/containers/run/")
    request.user = make_superuser()
    refusal = HostOffline(make_offline_host("gone"))

    response = RefusalPageMiddleware(lambda r: None).process_exception(request, refusal)

    assert response.status_code == 503
    assert "Host gone is offline (its worker is not answering)" in response.content.decode()
