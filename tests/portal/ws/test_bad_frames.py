"""A bad frame on a JSON socket (not JSON, binary, too big) gets an error message and one log line;
the socket stays open and keeps working (issue: 1006 and a 60-line traceback per frame)."""

import logging

import pytest
from asgiref.sync import sync_to_async

from portal.hosts.events import publish_host
from tests.portal.factories import make_host, make_superuser
from tests.portal.ws.sockets import events_socket, run_async, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

BAD_FRAMES = [
    ({"text_data": "{not json"}, "not JSON"),
    ({"text_data": "["}, "not JSON"),
    ({"bytes_data": b"\x00\x01\x02"}, "Binary frames"),
    ({"text_data": "x" * 70_000}, "at most 65,536 characters"),
]


@run_async
async def test_given_bad_frames_on_the_events_socket_then_each_is_answered_and_the_socket_keeps_working(caplog):
    cookie = await sync_to_async(session_cookie)(await sync_to_async(make_superuser)())
    socket = events_socket(cookie=cookie)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=2))["type"] == "hello"

    with caplog.at_level(logging.INFO, logger="portal.ws.consumers"):
        for frame, words in BAD_FRAMES * 5:  # a flood of them
            await socket.send_to(**frame)
            answer = await socket.receive_json_from(timeout=2)
            assert answer["type"] == "error" and words in answer["message"]

    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=2) == {"type": "pong"}
    host = await sync_to_async(make_host)("still-live")
    await sync_to_async(publish_host)(host, created=True)
    assert (await socket.receive_json_from(timeout=2))["type"] == "host.created"
    await socket.disconnect()

    assert "Traceback" not in caplog.text
    assert len([r for r in caplog.records if "Bad frame" in r.getMessage()]) == len(BAD_FRAMES) * 5
