"""Issue 12, item 2: when a socket's rights are re-checked (access_changed), a terminal on a
dangerous container is closed for someone no longer admin of its host, naming the danger."""

import pytest

from portal.access.policy import AccessScope, Role
from portal.containers.models import Container
from portal.terminals.consumers import AttachConsumer, TerminalConsumer
from tests.support.aio import run_async


def consumer_on(kind, inspect, role):
    consumer = kind()
    consumer.container = Container(host_id=7, name="c", engine_id="x", inspect=inspect)
    consumer.host_id = 7
    consumer.access = AccessScope(user_id=1, host_roles={7: role})
    closed = []

    async def end(code, reason):
        closed.append((code, reason))

    consumer.end = end
    return consumer, closed


SOCKET = {"HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]}}


@pytest.mark.parametrize("kind", [TerminalConsumer, AttachConsumer])
def test_an_admin_demoted_to_operator_is_closed_4403_naming_the_danger(kind):
    consumer, closed = consumer_on(kind, SOCKET, Role.OPERATOR)

    run_async(consumer.access_changed())

    [(code, reason)] = closed
    assert code == 4403 and "bind mount of host path /var/run/docker.sock" in reason


def test_an_admin_stays_and_an_operator_of_an_ordinary_container_stays():
    admin, admin_closed = consumer_on(TerminalConsumer, SOCKET, Role.ADMIN)
    operator, operator_closed = consumer_on(TerminalConsumer, {"HostConfig": {}}, Role.OPERATOR)

    run_async(admin.access_changed())
    run_async(operator.access_changed())

    assert admin_closed == [] and operator_closed == []


def test_a_viewer_of_an_ordinary_container_is_closed_as_before():
    consumer, closed = consumer_on(TerminalConsumer, {"HostConfig": {}}, Role.VIEWER)

    run_async(consumer.access_changed())

    assert closed == [(4403, "Your access to this was withdrawn.")]
