"""Taking back an invitation to watch a session cuts the watcher off at once, audited; a watcher
who may not watch is refused through the one refusal door, the session named in the row."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from portal.asgi import application
from portal.audit.models import AuditEvent
from portal.terminals.models import SessionInvite, SessionWatch
from tests.portal.factories import make_container, make_online_host, make_token, make_user
from tests.portal.terminals.factories import make_terminal_session
from tests.portal.ws.sockets import SITE
from tests.support.stream_keys import reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live(settings, tmp_path):
    settings.BERTH_RECORDINGS_DIR = tmp_path
    owner = make_user("owner")
    container = make_container(make_online_host("web-1"), "app")
    return make_terminal_session(owner, container, ended_at=None, exit_code=None, stream_channel="berth.fake.session")


def test_given_an_invited_watcher_when_the_owner_takes_the_invitation_back_then_the_watch_closes_at_once(live):
    guest = make_user("guest")
    SessionInvite.objects.create(session=live, user=guest, invited_by=live.user)
    owner = APIClient()
    owner.force_authenticate(live.user)

    async def scenario():
        watcher = WebsocketCommunicator(
            application, f"/ws/sessions/{live.pk}/watch/?token={await sync_to_async(make_token)(guest)}"
        )
        watcher.scope["headers"] = [(b"host", SITE)]
        connected, _ = await watcher.connect()
        assert connected
        layer = get_channel_layer()
        watch = await asyncio.wait_for(layer.receive("berth.fake.session"), 2)
        # The host answers the watcher with the screen, signed with the key the watch sealed to it.
        tail = {"type": "watch.tail", "offset": 0, "data": b"$ ", "cols": 80, "rows": 24}
        await reply(layer, watch, tail)
        ready = await watcher.receive_json_from(2)
        await watcher.receive_from(2)  # the screen
        response = await sync_to_async(owner.delete)(f"/api/v1/sessions/{live.pk}/invites/{guest.username}/")
        closed = await watcher.receive_output(2)
        await watcher.disconnect()  # what the server does after the close
        return ready, response, closed

    ready, response, closed = async_to_sync(scenario)()

    assert ready["type"] == "ready"
    assert response.status_code == 204
    assert closed["type"] == "websocket.close" and closed["code"] == 4403
    assert not SessionInvite.objects.exists()
    revoked = AuditEvent.objects.get(action="session.invite.revoke")
    assert (revoked.user, revoked.target_id, revoked.detail["user"]) == (live.user, str(live.pk), "guest")
    assert SessionWatch.objects.get(user=guest).left_at is not None


def test_given_a_forged_screen_when_it_reaches_a_watcher_then_it_is_dropped_and_noted_on_the_host(live):
    guest = make_user("guest")
    SessionInvite.objects.create(session=live, user=guest, invited_by=live.user)

    async def scenario():
        watcher = WebsocketCommunicator(
            application, f"/ws/sessions/{live.pk}/watch/?token={await sync_to_async(make_token)(guest)}"
        )
        watcher.scope["headers"] = [(b"host", SITE)]
        await watcher.connect()
        layer = get_channel_layer()
        watch = await asyncio.wait_for(layer.receive("berth.fake.session"), 2)
        forged = {"type": "watch.tail", "offset": 0, "data": b"FORGED", "cols": 80, "rows": 24}
        await layer.send(watch["reply_to"], forged)
        quiet = await watcher.receive_nothing(0.5)
        await watcher.disconnect()
        return quiet

    assert async_to_sync(scenario)(), "the watcher was sent a screen its host did not sign"
    live.host.refresh_from_db()
    assert "watch stream message in this host's name was refused" in live.host.forged_report


def test_given_someone_not_invited_when_they_watch_then_the_refusal_is_audited_once_naming_the_session(live):
    stranger = make_user("stranger")

    async def scenario():
        watcher = WebsocketCommunicator(
            application, f"/ws/sessions/{live.pk}/watch/?token={await sync_to_async(make_token)(stranger)}"
        )
        watcher.scope["headers"] = [(b"host", SITE)]
        await watcher.connect()
        closed = await watcher.receive_output(2)
        await watcher.disconnect()
        return closed

    assert async_to_sync(scenario)()["code"] == 4403
    (refused,) = AuditEvent.objects.filter(action="session.watch")
    assert (refused.outcome, refused.target_id, refused.host_id) == ("denied", str(live.pk), live.host_id)
    assert refused.detail["session"] == live.pk and refused.detail["method"] == "WEBSOCKET"
