"""A container's changes asked of a scripted host worker on the in-memory channel layer: the
request is a stream open like any other, the chunks are gathered, a refusal is a 409 sentence."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from portal.containers.diff import request_changes
from portal.refusals import Conflict
from tests.portal.factories import make_container, make_online_host
from tests.portal.ws.sockets import run_async
from tests.support.stream_keys import reply
from wire import streams as m
from wire.names import host_stream_channel

pytestmark = pytest.mark.django_db(transaction=True)


async def answer(layer, *chunks):
    """Plays the worker: READY, one DATA per chunk, END; answers the request it read."""
    request = await asyncio.wait_for(layer.receive(host_stream_channel("web-1")), 2)
    channel = await layer.new_channel()
    await reply(layer, request, {"type": m.READY, "session": request["session"], "channel": channel})
    for seq, chunk in enumerate(chunks, 1):
        await reply(layer, request, {"type": m.DATA, "seq": seq, "data": chunk})
    await reply(layer, request, {"type": m.END, "code": None, "reason": "done"})
    return request


def ask(container):
    return asyncio.ensure_future(sync_to_async(request_changes, thread_sensitive=False)(container))


@run_async
async def test_given_a_worker_that_answers_in_chunks_when_asked_then_the_changes_are_gathered():
    container = await sync_to_async(make_container)(await sync_to_async(make_online_host)("web-1"), "app")
    layer = get_channel_layer()

    asking = ask(container)
    request = await answer(
        layer, {"changes": [{"path": "/a", "kind": "added"}]}, {"changes": [{"path": "/b", "kind": "deleted"}]}
    )

    assert await asyncio.wait_for(asking, 5) == [{"path": "/a", "kind": "added"}, {"path": "/b", "kind": "deleted"}]
    assert (request["type"], request["container"], request["subject"]) == ("changes.open", container.engine_id, "app")
    assert "!" not in request["reply_to"]  # a plain channel: read from any event loop


@run_async
async def test_given_an_engine_that_refuses_when_asked_then_it_is_a_conflict_with_its_sentence():
    container = await sync_to_async(make_container)(await sync_to_async(make_online_host)("web-1"), "app")
    layer = get_channel_layer()

    asking = ask(container)
    await answer(layer, {"error": "No such container: app.", "code": "not_found"})

    with pytest.raises(Conflict) as refused:
        await asyncio.wait_for(asking, 5)
    assert (refused.value.status, refused.value.code, str(refused.value)) == (
        409,
        "not_found",
        "No such container: app.",
    )
