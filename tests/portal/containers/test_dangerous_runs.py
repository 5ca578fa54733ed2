"""Issue 12, item 1: joining another container's namespaces is dangerous, from the API, and the
host is told whether the user may mount volumes whose driver options bind a host path."""

import pytest

from tests.portal.factories import developer_on

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("network", "network namespace of container hostnet"),
        ("network_mode", "network namespace of container hostnet"),
        ("pid_mode", "PID namespace of container hostnet"),
        ("ipc_mode", "IPC namespace of container hostnet"),
    ],
)
def test_a_developers_namespace_join_is_refused_with_the_option_named(api, host, sent, field, named):
    developer_on(api, host)

    response = api.post(
        "/api/v1/containers/", {"host": host.pk, "image": "busybox", field: "container:hostnet"}, format="json"
    )

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "dangerous_option"
    assert named in response.json()["detail"]
    assert not sent


def test_an_admins_namespace_join_is_sent_and_may_use_host_volumes(as_admin, host, sent):
    response = as_admin.post(
        "/api/v1/containers/",
        {"host": host.pk, "image": "busybox", "network": "container:hostnet", "volumes": ["data:/d"]},
        format="json",
    )

    assert response.status_code == 202, response.content
    [(_, operation, _)] = sent
    assert operation["params"]["dangerous_allowed"] is True


def test_a_developers_run_tells_the_host_it_may_not_use_host_volumes(api, host, sent):
    developer_on(api, host)

    response = api.post(
        "/api/v1/containers/", {"host": host.pk, "image": "busybox", "volumes": ["data:/d"]}, format="json"
    )

    assert response.status_code == 202, response.content
    [(_, operation, _)] = sent
    assert operation["params"]["dangerous_allowed"] is False
