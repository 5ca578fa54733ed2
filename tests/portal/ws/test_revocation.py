"""Revocation is immediate: a change to a user's teams, roles, account, session or token reaches
their open sockets within a second. Changes go through the ORM so the real signal handlers fire."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user, logout
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.urls import path

from portal.access.policy import AccessScope
from portal.accounts.models import PersonalToken
from portal.accounts.socket_auth import BerthAuthMiddlewareStack
from portal.hosts.events import publish_host
from portal.refusals import NotFound
from portal.teams.choices import RoleName
from portal.teams.models import Team, TeamMembership
from portal.ws.consumers import BerthJsonConsumer
from tests.portal.factories import make_binding, make_team, make_token, make_user
from tests.portal.ws.sockets import SITE, events_socket, run_async, session_cookie

# The consumer reads the database from other threads: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

# "Within a second": every wait for a reaction to a change is bounded by this.
WITHIN = 1.0


async def opened(socket) -> dict:
    """Connects and returns the first message (a hello, or `ready` for the watch socket)."""
    connected, _ = await socket.connect()
    assert connected
    return await socket.receive_json_from(timeout=WITHIN)


async def closed_with(socket) -> tuple[int, str]:
    message = await socket.receive_output(timeout=WITHIN)
    assert message["type"] == "websocket.close", message
    return message["code"], message.get("reason", "")


async def still_open(socket) -> bool:
    return await socket.receive_nothing(timeout=0.3)


def orm(function, *args, **kwargs):
    return sync_to_async(function)(*args, **kwargs)


def token_socket(key: str):
    return events_socket(f"/ws/events/?token={key}")


@pytest.fixture
def ops() -> Team:
    return make_team(name="ops")


@pytest.fixture
def member(ops):
    """A plain user in team "ops"."""
    user = make_user()
    TeamMembership.objects.create(team=ops, user=user)
    return user


# --- /ws/events/ follows the new scope -------------------------------------------------------


@run_async
async def test_given_a_viewer_of_two_hosts_when_one_leaves_the_binding_then_its_events_stop(ops, member, web_1, web_2):
    binding = await orm(make_binding, ops, RoleName.VIEWER, web_1, web_2)
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert await opened(socket) == {"type": "hello", "hosts": sorted([web_1.pk, web_2.pk])}

    # When web-1 is taken out of the team's binding
    await orm(binding.hosts.remove, web_1)

    # Then a fresh hello leaves it out, and its events no longer arrive
    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": [web_2.pk]}
    await orm(publish_host, web_1)
    assert await still_open(socket)
    await orm(publish_host, web_2)
    assert (await socket.receive_json_from(timeout=WITHIN))["host"]["id"] == web_2.pk
    await socket.disconnect()


@run_async
async def test_given_a_viewer_when_the_binding_is_deleted_then_the_hello_is_empty_and_events_stop(ops, member, web_1):
    binding = await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert (await opened(socket))["hosts"] == [web_1.pk]

    await orm(binding.delete)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await orm(publish_host, web_1)
    assert await still_open(socket), "the stream itself stays open; only what flows through it changes"
    await socket.disconnect()


@run_async
async def test_given_a_member_without_a_role_when_a_binding_names_web_1_then_its_events_start(ops, member, web_1):
    binding = await orm(make_binding, ops, RoleName.VIEWER)  # on no host yet
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert await opened(socket) == {"type": "hello", "hosts": []}
    await orm(publish_host, web_1)
    assert await still_open(socket)

    # When the binding gains web-1
    await orm(binding.hosts.add, web_1)

    # Then a fresh hello names it, and its events flow
    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": [web_1.pk]}
    web_1.engine_version = "27.1.0"
    await orm(publish_host, web_1)
    event = await socket.receive_json_from(timeout=WITHIN)
    assert (event["type"], event["host"]["engine_version"]) == ("host.updated", "27.1.0")
    await socket.disconnect()


@run_async
async def test_given_a_user_in_no_team_when_added_to_a_team_with_a_binding_then_its_hosts_appear(web_1):
    user = await orm(make_user)
    others = await orm(make_team, name="web")
    await orm(make_binding, others, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, user))
    assert (await opened(socket))["hosts"] == []

    await orm(TeamMembership.objects.create, team=others, user=user)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": [web_1.pk]}
    await socket.disconnect()


@run_async
async def test_given_a_viewer_when_removed_from_the_team_then_the_hello_is_empty(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert (await opened(socket))["hosts"] == [web_1.pk]

    await orm(TeamMembership.objects.filter(user=member).delete)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await socket.disconnect()


@run_async
async def test_given_a_viewer_when_the_host_drops_the_binding_from_its_side_then_the_hello_leaves_it_out(
    ops, member, web_1
):
    binding = await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert (await opened(socket))["hosts"] == [web_1.pk]

    # The same many-to-many, changed from the host's end
    await orm(web_1.role_bindings.remove, binding)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await socket.disconnect()


@run_async
async def test_given_a_viewer_when_the_host_clears_its_bindings_then_the_hello_leaves_it_out(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    assert (await opened(socket))["hosts"] == [web_1.pk]

    await orm(web_1.role_bindings.clear)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await socket.disconnect()


@pytest.fixture
def binding_deleted_while_connecting(ops, member, web_1, monkeypatch):
    """The member's binding on web-1 is deleted just after their socket computed its scope."""
    binding = make_binding(ops, RoleName.VIEWER, web_1)
    for_user = AccessScope.for_user

    def racing(user):
        scope = for_user(user)
        if binding.pk is not None:
            binding.delete()
        return scope

    monkeypatch.setattr(AccessScope, "for_user", staticmethod(racing))
    return binding


@run_async
async def test_a_change_committed_while_the_socket_connects_is_not_missed(
    member, web_1, binding_deleted_while_connecting
):
    socket = events_socket(cookie=await orm(session_cookie, member))

    # The first hello was computed before the change; the change still reaches the socket
    assert (await opened(socket))["hosts"] == [web_1.pk]
    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await socket.disconnect()


@run_async
async def test_a_change_to_another_users_team_leaves_this_socket_alone(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    await opened(socket)

    stranger = await orm(make_user)
    theirs = await orm(make_team, stranger, name="theirs")
    await orm(make_binding, theirs, RoleName.ADMIN, all_hosts=True)

    assert await still_open(socket)
    await socket.disconnect()


# --- deactivation, deletion ------------------------------------------------------------------


@run_async
async def test_given_open_sockets_when_the_user_is_deactivated_then_they_close_with_4401(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    by_session = events_socket(cookie=await orm(session_cookie, member))
    by_token = token_socket(await orm(make_token, member))
    await opened(by_session)
    await opened(by_token)

    member.is_active = False
    await orm(member.save)

    assert await closed_with(by_session) == (4401, "Your account was deactivated.")
    assert await closed_with(by_token) == (4401, "Your account was deactivated.")


@run_async
async def test_given_an_open_socket_when_the_superuser_flag_is_taken_away_then_the_hello_shrinks(web_1):
    boss = await orm(make_user, is_superuser=True)
    socket = token_socket(await orm(make_token, boss))
    assert (await opened(socket))["hosts"] == [web_1.pk]

    boss.is_superuser = False
    await orm(boss.save)

    assert await socket.receive_json_from(timeout=WITHIN) == {"type": "hello", "hosts": []}
    await socket.disconnect()


@run_async
async def test_given_an_open_socket_when_the_user_is_deleted_then_it_closes_with_4401(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = events_socket(cookie=await orm(session_cookie, member))
    await opened(socket)

    await orm(member.delete)

    assert (await closed_with(socket))[0] == 4401


@run_async
async def test_given_a_user_in_no_team_when_deleted_then_their_socket_closes_with_4401():
    loner = await orm(make_user)
    socket = events_socket(cookie=await orm(session_cookie, loner))
    await opened(socket)

    await orm(loner.delete)

    assert (await closed_with(socket))[0] == 4401


@run_async
async def test_a_login_recording_last_login_does_not_disturb_open_sockets(member):
    socket = events_socket(cookie=await orm(session_cookie, member))
    await opened(socket)

    # force_login saves last_login only: the open socket hears nothing
    await orm(session_cookie, member)

    assert await still_open(socket)
    await socket.disconnect()


# --- logout ----------------------------------------------------------------------------------


def log_out(cookie: bytes) -> None:
    """What the logout view does, on a request carrying the session of `cookie`."""
    request = HttpRequest()
    request.session = SessionStore(cookie.decode().split("=", 1)[1])
    request.user = get_user(request)
    logout(request)


@run_async
async def test_logging_out_closes_that_sessions_sockets_but_not_the_users_tokens_or_other_sessions(member):
    cookie = await orm(session_cookie, member)
    other_browser = await orm(session_cookie, member)
    this_tab, another_tab = events_socket(cookie=cookie), events_socket(cookie=cookie)
    elsewhere = events_socket(cookie=other_browser)
    script = token_socket(await orm(make_token, member))
    for socket in (this_tab, another_tab, elsewhere, script):
        await opened(socket)

    await orm(log_out, cookie)

    assert await closed_with(this_tab) == (4401, "You logged out.")
    assert await closed_with(another_tab) == (4401, "You logged out.")
    assert await still_open(elsewhere)
    assert await still_open(script)
    await elsewhere.disconnect()
    await script.disconnect()


@run_async
async def test_logging_out_through_the_logout_page_closes_that_sessions_socket(member, client):
    await orm(client.force_login, member)
    socket = events_socket(cookie=f"sessionid={client.cookies['sessionid'].value}".encode())
    await opened(socket)

    response = await orm(client.post, "/logout/")

    assert response.status_code == 302
    assert await closed_with(socket) == (4401, "You logged out.")


# --- personal tokens -------------------------------------------------------------------------


@run_async
async def test_deleting_a_token_closes_the_sockets_opened_with_it_and_no_others(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    doomed_key, kept_key = await orm(make_token, member, "ci"), await orm(make_token, member, "laptop")
    doomed, doomed_too = token_socket(doomed_key), token_socket(doomed_key)
    kept, browser = token_socket(kept_key), events_socket(cookie=await orm(session_cookie, member))
    for socket in (doomed, doomed_too, kept, browser):
        await opened(socket)

    await orm(lambda: PersonalToken.objects.get(name="ci").delete())

    assert await closed_with(doomed) == (4401, "The token this connection used was revoked.")
    assert await closed_with(doomed_too) == (4401, "The token this connection used was revoked.")
    assert await still_open(kept)
    assert await still_open(browser)

    # When web-1 changes before the server has reported the closed sockets' disconnect
    await orm(publish_host, web_1)

    # Then the open ones hear of it, and nothing is sent on the closed ones
    assert (await kept.receive_json_from(timeout=WITHIN))["type"] == "host.updated"
    assert (await browser.receive_json_from(timeout=WITHIN))["type"] == "host.updated"
    assert await doomed.receive_nothing(timeout=0.3)
    await kept.disconnect()
    await browser.disconnect()


# --- a consumer showing one host's data: closed with 4403 when no longer allowed --------------


class HostWatchConsumer(BerthJsonConsumer):
    """Stands in for the terminal and log sockets: one host's data, while `action` is allowed there."""

    async def start(self):
        self.host_id = self.scope["url_route"]["kwargs"]["host_id"]
        self.action = self.scope["url_route"]["kwargs"]["action"]
        if not self.access.allows(self.action, self.host_id):
            raise NotFound("No such host.")
        await self.send_json({"type": "ready"})

    async def still_allowed(self) -> bool:
        return self.access.allows(self.action, self.host_id)


watch_app = BerthAuthMiddlewareStack(
    URLRouter([path("ws/hosts/<int:host_id>/<str:action>/", HostWatchConsumer.as_asgi())])
)


def watch_socket(host, action="host.view", cookie: bytes | None = None, token: str | None = None):
    query = f"?token={token}" if token else ""
    headers = [(b"host", SITE)] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(watch_app, f"/ws/hosts/{host.pk}/{action}/{query}", headers=headers)


@run_async
async def test_given_a_watch_socket_when_the_binding_is_deleted_then_it_closes_with_4403(ops, member, web_1):
    binding = await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    assert await opened(socket) == {"type": "ready"}

    await orm(binding.delete)

    assert await closed_with(socket) == (4403, "Your access to this was withdrawn.")


@run_async
async def test_given_a_watch_socket_when_its_host_leaves_the_binding_then_it_closes_with_4403(ops, member, web_1):
    binding = await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = watch_socket(web_1, token=await orm(make_token, member))
    await opened(socket)

    await orm(binding.hosts.remove, web_1)

    assert (await closed_with(socket))[0] == 4403


@run_async
async def test_given_a_watch_socket_when_the_user_leaves_the_team_then_it_closes_with_4403(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    await opened(socket)

    await orm(lambda: TeamMembership.objects.get(user=member).delete())

    assert (await closed_with(socket))[0] == 4403


@run_async
async def test_given_a_watch_socket_when_the_team_is_deleted_then_it_closes_with_4403(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    await opened(socket)

    await orm(ops.delete)

    assert (await closed_with(socket))[0] == 4403


@run_async
async def test_given_an_admin_watching_a_change_when_the_role_is_lowered_then_it_closes_with_4403(ops, member, web_1):
    binding = await orm(make_binding, ops, RoleName.ADMIN, web_1)
    changing = watch_socket(web_1, "host.change", token=await orm(make_token, member))
    viewing = watch_socket(web_1, "host.view", token=await orm(make_token, member))
    await opened(changing)
    await opened(viewing)

    binding.role = RoleName.VIEWER
    await orm(binding.save)

    assert (await closed_with(changing))[0] == 4403
    assert await still_open(viewing), "a viewer may still view"
    await viewing.disconnect()


@run_async
async def test_given_a_watch_socket_when_another_hosts_binding_goes_then_it_stays_open(ops, member, web_1, web_2):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    other = await orm(make_binding, ops, RoleName.VIEWER, web_2)
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    await opened(socket)

    await orm(other.delete)

    assert await still_open(socket)
    await socket.disconnect()


@run_async
async def test_given_a_watch_socket_when_the_user_is_deactivated_then_it_closes_with_4401(ops, member, web_1):
    await orm(make_binding, ops, RoleName.VIEWER, web_1)
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    await opened(socket)

    member.is_active = False
    await orm(member.save)

    assert (await closed_with(socket))[0] == 4401


@run_async
async def test_a_watch_socket_out_of_scope_is_refused_with_4404(member, web_1):
    socket = watch_socket(web_1, cookie=await orm(session_cookie, member))
    connected, _ = await socket.connect()
    assert connected

    assert await closed_with(socket) == (4404, "No such host.")


# --- password changes ------------------------------------------------------------------------


def change_password(user_id: int) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    user.set_password("an-entirely-new-passphrase-7")
    user.save()


@run_async
async def test_a_password_change_closes_session_sockets_but_not_token_sockets(member):
    browser = events_socket(cookie=await orm(session_cookie, member))
    script = token_socket(await orm(make_token, member))
    for socket in (browser, script):
        await opened(socket)

    await orm(change_password, member.pk)

    assert await closed_with(browser) == (4401, "Your password changed: log in again.")
    # The token's socket stays: it only re-reads its (unchanged) hosts.
    assert (await script.receive_json_from(timeout=WITHIN))["type"] == "hello"
    assert await still_open(script)
    await script.disconnect()


# --- token expiry ----------------------------------------------------------------------------


def token_expiring_in(user, seconds: float) -> str:
    from datetime import timedelta

    from django.utils import timezone

    return PersonalToken.issue(user, "short-lived", expires_at=timezone.now() + timedelta(seconds=seconds))[1]


@run_async
async def test_a_socket_opened_with_a_token_closes_when_the_token_expires(member):
    socket = token_socket(await orm(token_expiring_in, member, 0.5))
    await opened(socket)

    assert await closed_with(socket) == (4401, "The token this connection used expired.")
