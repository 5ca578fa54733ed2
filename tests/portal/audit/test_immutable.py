"""Audit events are written once: Berth's code cannot change or delete them, whichever way it tries."""

import pytest

from portal.audit.models import AuditEvent, ImmutableAuditEvent
from tests.portal.audit.factories import make_event
from tests.portal.factories import make_offline_host, make_user

pytestmark = pytest.mark.django_db


def test_saving_an_existing_event_is_refused():
    event = make_event("login", username="ada")
    event.username = "mallory"

    with pytest.raises(ImmutableAuditEvent, match="cannot be changed"):
        event.save()

    assert AuditEvent.objects.get().username == "ada"


def test_deleting_an_event_is_refused():
    event = make_event("login")

    with pytest.raises(ImmutableAuditEvent, match="cannot be deleted"):
        event.delete()

    assert AuditEvent.objects.count() == 1


def test_updating_events_in_bulk_is_refused():
    make_event("login", username="ada")

    with pytest.raises(ImmutableAuditEvent):
        AuditEvent.objects.filter(username="ada").update(username="mallory")
    with pytest.raises(ImmutableAuditEvent):
        AuditEvent.objects.all().update(outcome="failure")

    assert AuditEvent.objects.get().username == "ada"


def test_deleting_events_in_bulk_is_refused():
    make_event("login")
    make_event("logout")

    with pytest.raises(ImmutableAuditEvent):
        AuditEvent.objects.all().delete()
    with pytest.raises(ImmutableAuditEvent):
        AuditEvent.objects.filter(action="login").delete()

    assert AuditEvent.objects.count() == 2


def test_when_the_user_and_host_are_deleted_the_event_stays_and_still_names_them():
    user, host = make_user("ada"), make_offline_host("web-1")
    make_event("host.change", user=user, host=host)

    user.delete()
    host.delete()

    event = AuditEvent.objects.get()
    assert (event.user_id, event.host_id) == (None, None)
    assert (event.username, event.host_name) == ("ada", "web-1")
