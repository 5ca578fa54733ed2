"""A terminal session whose web process died (killed, or cut off from the database) is ended by
the sweep, as of the last time it was known alive; a served one is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.terminals.housekeeping import GRACE_REASON, ORPHANED_REASON, end_orphaned_sessions
from portal.terminals.models import TerminalSession
from tests.portal.factories import make_container, make_online_host, make_superuser
from tests.portal.terminals.factories import make_terminal_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def container():
    return make_container(make_online_host("term-host"), "web")


def test_given_an_open_session_not_refreshed_for_a_minute_then_the_sweep_ends_it_as_of_its_last_sign(container):
    now = timezone.now()
    user = make_superuser("ada")
    lost = make_terminal_session(user, container, ended_at=None, exit_code=None, alive_at=now - timedelta(minutes=5))
    served = make_terminal_session(user, container, ended_at=None, exit_code=None, alive_at=now - timedelta(seconds=20))
    finished = make_terminal_session(user, container, alive_at=now - timedelta(hours=1))

    assert end_orphaned_sessions(now) == 1
    assert end_orphaned_sessions(now) == 0  # once

    lost.refresh_from_db()
    assert lost.ended_at == now - timedelta(minutes=5) and lost.end_reason == ORPHANED_REASON
    assert TerminalSession.objects.get(pk=served.pk).ended_at is None
    assert TerminalSession.objects.get(pk=finished.pk).end_reason == ""
    event = AuditEvent.objects.get(action="terminal.end")
    assert event.detail["session"] == lost.pk and event.outcome == "failure" and event.username == "ada"


def test_given_a_detached_session_then_the_sweep_ends_it_at_its_grace_end_and_not_before(container):
    now = timezone.now()
    user = make_superuser("ada")
    stale = now - timedelta(minutes=5)  # not refreshed since it was detached: still not orphaned
    waiting = make_terminal_session(
        user, container, ended_at=None, exit_code=None, alive_at=stale, detached_until=now + timedelta(seconds=30)
    )
    gone = make_terminal_session(
        user, container, ended_at=None, exit_code=None, alive_at=stale, detached_until=now - timedelta(seconds=5)
    )

    assert end_orphaned_sessions(now) == 1

    gone.refresh_from_db()
    assert gone.ended_at == now - timedelta(seconds=5) and gone.end_reason == GRACE_REASON
    assert gone.detached_until is None
    assert TerminalSession.objects.get(pk=waiting.pk).ended_at is None
