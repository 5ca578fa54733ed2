"""A stop or restart waits at most 300 s for the container: a longer timeout would hold one of the
host worker's few operation threads for as long as the caller likes."""

import pytest

from tests.portal.factories import make_container

pytestmark = pytest.mark.django_db(transaction=True)  # the task is sent on commit


@pytest.mark.parametrize("verb", ["stop", "restart"])
def test_a_timeout_over_300_seconds_is_refused_and_300_is_accepted(as_admin, host, sent, verb):
    container = make_container(host, "web", state="running")
    url = f"/api/v1/containers/{container.pk}/{verb}/"

    refused = as_admin.post(url, {"timeout": 301}, format="json")
    accepted = as_admin.post(url, {"timeout": 300}, format="json")

    assert refused.status_code == 400
    assert refused.json()["detail"] == "timeout: Ensure this value is less than or equal to 300."
    assert accepted.status_code == 202 and sent[0][1]["params"]["timeout"] == 300
    assert len(sent) == 1
