"""`/ws/events/` through the whole websocket stack: origin check, authentication, policy."""

import pytest
from asgiref.sync import sync_to_async

from portal.hosts.events import publish_host, publish_host_removed
from tests.portal.factories import make_host, make_superuser, make_token, make_user
from tests.portal.ws.sockets import events_socket, run_async, session_cookie

# The consumer reads the database from other threads: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


async def assert_closed_with(socket, code: int):
    connected, _ = await socket.connect()
    assert connected, "a refusal is accepted first, so the browser sees the close code"
    closing = await socket.receive_output(timeout=2)
    assert closing["type"] == "websocket.close"
    assert closing["code"] == code
    return closing


@pytest.fixture
def admin_cookie():
    return session_cookie(make_superuser())


@run_async
async def test_without_a_login_the_socket_is_closed_with_4401():
    closing = await assert_closed_with(events_socket(), 4401)

    assert closing["reason"] == "Log in to Berth first."


@run_async
async def test_a_bad_token_is_closed_with_4401():
    await assert_closed_with(events_socket("/ws/events/?token=berth_not-a-real-key"), 4401)


@pytest.fixture
def inactive_users_token():
    user = make_superuser()
    key = make_token(user)
    user.is_active = False
    user.save()
    return key


@run_async
async def test_the_token_of_an_inactive_user_is_closed_with_4401(inactive_users_token):
    await assert_closed_with(events_socket(f"/ws/events/?token={inactive_users_token}"), 4401)


@run_async
async def test_a_cross_origin_page_is_refused_the_handshake(admin_cookie):
    socket = events_socket(origin=b"http://evil.example", cookie=admin_cookie)

    connected, _ = await socket.connect()

    assert connected is False


@run_async
async def test_a_look_alike_origin_on_another_port_is_refused(admin_cookie):
    connected, _ = await events_socket(origin=b"http://testserver:8080", cookie=admin_cookie).connect()

    assert connected is False


@run_async
async def test_a_superuser_on_the_same_origin_gets_hello_then_host_updates(admin_cookie, web_1):
    socket = events_socket(origin=b"http://testserver", cookie=admin_cookie)
    connected, _ = await socket.connect()
    assert connected

    assert await socket.receive_json_from() == {"type": "hello", "hosts": [web_1.pk]}

    # When the host changes
    web_1.engine_version = "24.0.7"
    await sync_to_async(publish_host)(web_1)

    # Then the page hears of it
    event = await socket.receive_json_from()
    assert event["type"] == "host.updated"
    assert event["host"]["id"] == web_1.pk
    assert event["host"]["engine_version"] == "24.0.7"
    await socket.disconnect()


@run_async
async def test_a_script_without_an_origin_is_let_through(admin_cookie):
    socket = events_socket(origin=None, cookie=admin_cookie)

    connected, _ = await socket.connect()

    assert connected
    assert (await socket.receive_json_from())["type"] == "hello"
    await socket.disconnect()


@run_async
async def test_a_trusted_origin_is_allowed(admin_cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://berth.example"]

    connected, _ = await events_socket(origin=b"https://berth.example", cookie=admin_cookie).connect()

    assert connected


@pytest.fixture
def admin_token():
    return make_token(make_superuser())


@run_async
async def test_a_token_in_the_query_logs_in(admin_token, web_1):
    socket = events_socket(f"/ws/events/?token={admin_token}")
    connected, _ = await socket.connect()
    assert connected

    assert await socket.receive_json_from() == {"type": "hello", "hosts": [web_1.pk]}
    await socket.disconnect()


@run_async
async def test_a_superuser_hears_of_new_and_removed_hosts(admin_cookie):
    socket = events_socket(cookie=admin_cookie)
    await socket.connect()
    assert (await socket.receive_json_from())["hosts"] == []

    host = await sync_to_async(make_host)("web-9")
    await sync_to_async(publish_host)(host, created=True)
    created = await socket.receive_json_from()
    assert (created["type"], created["host"]["id"]) == ("host.created", host.pk)

    # a host it learned of while connected is followed from then on
    await sync_to_async(publish_host)(host)
    assert (await socket.receive_json_from())["type"] == "host.updated"

    await sync_to_async(publish_host_removed)(host.pk)
    assert await socket.receive_json_from() == {"type": "host.removed", "host": {"id": host.pk}}
    await socket.disconnect()


@pytest.fixture
def plain_cookie():
    return session_cookie(make_user())


@run_async
async def test_a_user_without_a_role_hears_nothing_about_hosts(plain_cookie, web_1):
    socket = events_socket(cookie=plain_cookie)
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_json_from() == {"type": "hello", "hosts": []}

    # When a host changes and another appears
    await sync_to_async(publish_host)(web_1)
    new_host = await sync_to_async(make_host)("web-2")
    await sync_to_async(publish_host)(new_host, created=True)

    # Then nothing reaches this user
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
