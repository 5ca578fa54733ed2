"""The terminal websocket in the web process, with a scripted host worker on the in-memory
channel layer: the contract's framing both ways, raw mode, the recording and audit of a
session, and sessions closed by logout or by losing the right to exec."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator

from portal.asgi import application
from portal.audit.models import AuditEvent
from portal.teams.choices import RoleName
from portal.terminals.models import TerminalSession
from portal.terminals.recording import recordings_dir
from tests.portal.factories import make_binding, make_container, make_online_host, make_superuser, make_team, make_user
from tests.portal.ws.sockets import SITE, run_async, session_cookie
from tests.support.stream_keys import reply
from wire import streams as m
from wire.layer import URGENT
from wire.names import host_stream_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def recordings(settings, tmp_path):
    settings.BERTH_RECORDINGS_DIR = tmp_path
    return tmp_path


@pytest.fixture
def container():
    return make_container(make_online_host("web-1"), "app")


def socket_for(container, cookie, query="", kind="terminal"):
    path = f"/ws/containers/{container.pk}/{kind}/{query}"
    return WebsocketCommunicator(
        application, path, headers=[(b"host", SITE), (b"origin", b"http://testserver"), (b"cookie", cookie)]
    )


class Worker:
    """The host worker's side, scripted: takes the open request, answers, reads control."""

    def __init__(self, container):
        self.layer = get_channel_layer()
        self.slug = container.host.slug

    async def take_open(self):
        self.request = await asyncio.wait_for(self.layer.receive(host_stream_channel(self.slug)), 2)
        self.channel = await self.layer.new_channel()
        return self.request

    async def ready(self, **facts):
        await reply(
            self.layer,
            self.request,
            {"type": m.READY, "session": self.request["session"], "channel": self.channel, **facts},
        )

    async def say(self, kind, **fields):
        await reply(self.layer, self.request, {"type": kind, **fields})

    async def heard(self):
        return await asyncio.wait_for(self.layer.receive(self.channel), 2)


async def open_terminal(container, cookie, query=""):
    socket = socket_for(container, cookie, query)
    connected, _ = await socket.connect()
    assert connected
    worker = Worker(container)
    await worker.take_open()
    return socket, worker


@run_async
async def test_given_a_session_when_bytes_and_control_flow_then_both_sides_get_them_and_it_is_recorded(container):
    admin = await sync_to_async(make_superuser)("root")
    socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(admin), "?cols=100&rows=30")

    # Typed before the worker answered: kept and sent once it is ready.
    await socket.send_to(bytes_data=b"early ")
    await worker.ready(command=["/bin/sh"])
    ready = await socket.receive_json_from()
    await socket.send_to(bytes_data="héllo\r".encode())
    await socket.send_to(text_data=json.dumps({"type": "resize", "cols": 120, "rows": 40}))
    await socket.send_to(text_data=json.dumps({"type": "pause"}))
    await socket.send_to(text_data=json.dumps({"type": "resume"}))
    await socket.send_to(text_data=json.dumps({"type": "ping"}))
    pong = await socket.receive_json_from()
    heard = [await worker.heard() for _ in range(5)]
    await worker.say(m.DATA, seq=1, data="héllo\r\n".encode()[:2])  # "h" and half of "é"
    await worker.say(m.DATA, seq=2, data="héllo\r\n".encode()[2:])
    output = await socket.receive_from() + await socket.receive_from()
    await worker.say(m.END, code=0, reason="The process exited with code 0.")
    exit_message = await socket.receive_json_from()
    closing = await socket.receive_output()

    request = worker.request
    assert (request["type"], request["cols"], request["rows"], request["cmd"]) == ("terminal.open", 100, 30, None)
    assert request["container"] == container.engine_id
    session = await sync_to_async(TerminalSession.objects.get)()
    assert ready == {"type": "ready", "session": session.pk, "grace": 60.0} and pong == {"type": "pong"}
    assert heard == [
        {"type": m.INPUT, "data": b"early ", URGENT: True},
        {"type": m.INPUT, "data": "héllo\r".encode(), URGENT: True},
        {"type": m.RESIZE, "cols": 120, "rows": 40},
        {"type": m.PAUSE},
        {"type": m.RESUME},
    ]
    assert output == "héllo\r\n".encode()
    assert exit_message == {"type": "exit", "code": 0}
    assert closing["code"] == 1000
    assert (session.exit_code, session.command, session.username) == (0, "/bin/sh", "root")
    assert session.ended_at is not None
    lines = (recordings_dir() / session.recording).read_text().splitlines()
    header, events = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert (header["version"], header["width"], header["height"]) == (2, 100, 30)
    assert [e[1:] for e in events] == [
        ["i", "early "],
        ["i", "héllo\r"],
        ["r", "120x40"],
        ["o", "h"],
        ["o", "éllo\r\n"],
    ]
    actions = await sync_to_async(lambda: list(AuditEvent.objects.values_list("action", flat=True)))()
    assert "terminal.start" in actions and "terminal.end" in actions


@pytest.mark.parametrize(
    ("query", "grace"), [("", 30.0), ("?grace=5", 5.0), ("?grace=99999", 30.0), ("?grace=x", 30.0)]
)
def test_given_a_session_when_it_is_ready_then_the_page_is_told_how_long_a_dropped_connection_may_be_resumed(
    container, settings, query, grace
):
    settings.BERTH_TERMINAL_GRACE_SECONDS = 30.0

    async def body():
        admin = await sync_to_async(make_superuser)("root")
        socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(admin), query)
        await worker.ready(command=["/bin/sh"])
        ready = await socket.receive_json_from()
        await socket.disconnect()
        return ready

    assert run_async(body)()["grace"] == grace


@run_async
async def test_given_raw_mode_when_text_is_typed_then_it_is_input_and_the_end_is_a_close_with_the_code(container):
    admin = await sync_to_async(make_superuser)("root")
    socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(admin), "?raw=1")
    await worker.ready(command=["/bin/sh"])

    await socket.send_to(text_data="ls\r")
    heard = await worker.heard()
    await worker.say(m.DATA, seq=1, data=b"bin\r\n")
    output = await socket.receive_from()
    await worker.say(m.END, code=2, reason="The process exited with code 2.")
    closing = await socket.receive_output()

    assert heard == {"type": m.INPUT, "data": b"ls\r", URGENT: True}
    assert output == b"bin\r\n"
    assert (closing["code"], closing["reason"]) == (1000, "exit 2")


@run_async
async def test_given_an_operator_with_a_terminal_when_the_binding_goes_then_it_closes_with_4403(container):
    user = await sync_to_async(make_user)("operator")
    team = await sync_to_async(make_team)(user, name="ops")
    binding = await sync_to_async(make_binding)(team, RoleName.OPERATOR, container.host)
    socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(user))
    await worker.ready()
    await socket.receive_json_from()

    await sync_to_async(binding.delete)()

    closing = await socket.receive_output(timeout=2)
    assert closing["type"] == "websocket.close" and closing["code"] == 4403
    assert await worker.heard() == {"type": m.CLOSE}
    session = await sync_to_async(TerminalSession.objects.get)()
    assert session.ended_at is not None and "withdrawn" in session.end_reason


@run_async
async def test_given_a_viewer_when_a_terminal_is_asked_then_it_is_refused_and_the_refusal_audited(container):
    user = await sync_to_async(make_user)("viewer")
    team = await sync_to_async(make_team)(user, name="watchers")
    await sync_to_async(make_binding)(team, RoleName.VIEWER, container.host)
    socket = socket_for(container, await sync_to_async(session_cookie)(user))
    await socket.connect()

    closing = await socket.receive_output()

    assert closing["code"] == 4403
    denied = await sync_to_async(
        lambda: list(AuditEvent.objects.filter(outcome="denied").values_list("action", flat=True))
    )()
    assert denied == ["container.exec"]


@run_async
async def test_given_a_terminal_when_its_user_logs_out_then_it_closes_with_4401(container, client):
    admin = await sync_to_async(make_superuser)("root")
    await sync_to_async(client.force_login)(admin)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket, worker = await open_terminal(container, cookie)
    await worker.ready()
    await socket.receive_json_from()

    await sync_to_async(client.post)("/logout/")

    closing = await socket.receive_output(timeout=2)
    assert (closing["code"], closing["reason"]) == (4401, "You logged out.")
    assert await worker.heard() == {"type": m.CLOSE}


@run_async
async def test_given_a_stopped_container_when_a_terminal_is_asked_then_4409_before_any_request(container):
    admin = await sync_to_async(make_superuser)("root")
    container.state = "exited"
    await sync_to_async(container.save)()
    socket = socket_for(container, await sync_to_async(session_cookie)(admin))
    await socket.connect()

    closing = await socket.receive_output()

    assert closing["code"] == 4409
    assert await sync_to_async(TerminalSession.objects.count)() == 0


@run_async
async def test_given_a_frame_over_1_mib_then_the_session_closes_with_1009_and_says_why(container):
    admin = await sync_to_async(make_superuser)("root")
    cookie = await sync_to_async(session_cookie)(admin)
    socket, worker = await open_terminal(container, cookie)
    await worker.ready()
    await socket.receive_json_from()
    await socket.send_to(bytes_data=b"x" * (1024 * 1024))  # exactly 1 MiB: a paste like any other
    assert (await worker.heard())["type"] == m.INPUT

    await socket.send_to(bytes_data=b"x" * (1024 * 1024 + 1))

    error = await socket.receive_json_from()
    closing = await socket.receive_output()
    limit = "A terminal frame may hold at most 1 MiB; this one held 1,048,577 bytes. The session is closed."
    assert error == {"type": "error", "message": limit}
    assert (closing["code"], closing["reason"]) == (1009, limit)
    assert await worker.heard() == {"type": m.CLOSE}
    session = await sync_to_async(TerminalSession.objects.get)()
    assert session.ended_at is not None and session.end_reason == limit
    # In raw mode, a text frame over the limit too; the close alone says why.
    raw, raw_worker = await open_terminal(container, cookie, "?raw=1")
    await raw_worker.ready()
    await raw.send_to(text_data="é" * (512 * 1024 + 1))
    assert (await raw.receive_output())["code"] == 1009


@run_async
async def test_given_output_not_signed_by_the_host_when_it_arrives_then_it_is_refused_and_shown_on_the_hosts_page(
    container,
):
    admin = await sync_to_async(make_superuser)("root")
    socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(admin))
    await worker.ready(command=["/bin/sh"])
    await socket.receive_json_from()

    # Another host that learned this channel's name writes into it: no key of this stream to sign with.
    await worker.layer.send(worker.request["reply_to"], {"type": m.DATA, "seq": 1, "data": b"rm -rf ~\r"})
    await worker.say(m.DATA, seq=1, data=b"$ ")

    assert await socket.receive_from() == b"$ "
    host = await sync_to_async(lambda: type(container.host).objects.get(pk=container.host_id))()
    assert host.forged_report == (
        "A terminal stream message in this host's name was refused: "
        "a terminal stream message (stream.data) was not signed by the host."
    )
    await socket.disconnect()


class BufferingLayer(InMemoryChannelLayer):
    """The in-memory layer with Berth's `take_buffered` (wire.layer): what waits in a channel's
    queue is what Berth's Redis layer would have received for it already."""

    def take_buffered(self, channel, message_type, most=100):
        queue, taken = self.channels.get(channel), []
        while queue is not None and not queue.empty() and len(taken) < most:
            if queue._queue[0][1].get("type") != message_type:
                break
            taken.append(queue.get_nowait()[1])
        return taken


@pytest.fixture
def buffering_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.BufferingLayer"}}


async def ready_terminal(container):
    """An admin's terminal whose worker has answered READY."""
    admin = await sync_to_async(make_superuser)("root")
    socket, worker = await open_terminal(container, await sync_to_async(session_cookie)(admin))
    await worker.ready(command=["/bin/sh"])
    await socket.receive_json_from()
    return socket, worker


@run_async
async def test_given_chunks_that_piled_up_when_handled_then_they_go_as_one_frame_checked_in_order_and_recorded(
    container, buffering_layer
):
    socket, worker = await ready_terminal(container)

    # Given: ten chunks wait together (the loop was busy), one of them an echo that overtook two
    # before it (the urgent lane), one forged by another host, then the end.
    for seq in (1, 2, 5, 3, 4, 6, 7, 8, 9, 10):
        await worker.say(m.DATA, seq=seq, data=b"%d," % seq, **({URGENT: True} if seq == 5 else {}))
        if seq == 7:
            await worker.layer.send(worker.request["reply_to"], {"type": m.DATA, "seq": 8, "data": b"forged"})
    await worker.say(m.END, code=0, reason="The process exited with code 0.")

    # Then: one frame, every byte once and in order; acked for credit; the end after it.
    frame = await socket.receive_from()
    exit_message = await socket.receive_json_from()
    ack = await worker.heard()
    assert frame == b"1,2,3,4,5,6,7,8,9,10,"
    assert exit_message == {"type": "exit", "code": 0}
    assert ack == {"type": m.ACK, "seq": 10}
    await socket.receive_output()
    session = await sync_to_async(TerminalSession.objects.get)()
    lines = (recordings_dir() / session.recording).read_text().splitlines()[1:]
    assert "".join(json.loads(line)[2] for line in lines if json.loads(line)[1] == "o") == "1,2,3,4,5,6,7,8,9,10,"


@run_async
async def test_given_one_chunk_at_a_time_when_handled_then_each_goes_at_once_as_its_own_frame(
    container, buffering_layer
):
    socket, worker = await ready_terminal(container)

    frames = []
    for seq in (1, 2, 3):
        await worker.say(m.DATA, seq=seq, data=b"echo %d" % seq, **{URGENT: True})
        frames.append(await asyncio.wait_for(socket.receive_from(), 2))

    assert frames == [b"echo 1", b"echo 2", b"echo 3"]  # nothing waits for more to come
    await socket.disconnect()
