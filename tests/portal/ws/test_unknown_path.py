"""A websocket to a path Berth does not serve closes with 4404, never an HTTP 500."""

import pytest

from tests.portal.ws.sockets import events_socket, run_async

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/containers/abc/terminal/", "/ws/", "/not-ws/at-all"])
@run_async
async def test_given_an_unknown_path_when_a_socket_opens_then_it_closes_4404_with_a_reason(path, caplog):
    socket = events_socket(path=path)
    connected, _ = await socket.connect()
    assert connected
    closed = await socket.receive_output()
    assert closed == {"type": "websocket.close", "code": 4404, "reason": "No such websocket path."}
    await socket.disconnect()
    assert "Traceback" not in caplog.text
