"""The terminal's relay (engine output → the web side) with a fake engine stream: output that
answers input goes at once whatever was sent just before; output nobody typed for is batched."""

import asyncio
from types import SimpleNamespace

import pytest

from tests.support.aio import run_async
from workers.streams import terminal
from workers.streams.terminal import ConsoleSession

# Long enough that a held chunk cannot be mistaken for one sent at once on a loaded machine.
WINDOW = 0.5
AT_ONCE = 0.2


class FakeStream:
    """What the relay reads: chunks put by the test, in order; b"" is the end."""

    def __init__(self):
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.eof = False

    async def read(self, limit: int) -> bytes:
        data = await self.chunks.get()
        if not data:
            self.eof = True
        return data


class Relayed(ConsoleSession):
    kind = "fake"

    def __init__(self):
        super().__init__(SimpleNamespace(layer=None, keys=None), {"reply_to": "web"}, host=SimpleNamespace(engine=None))
        self.stream = FakeStream()
        self.sent: list[tuple[float, bytes]] = []
        self.urgent: list[bool] = []

    async def emit(self, data, urgent=False) -> None:
        self.sent.append((asyncio.get_running_loop().time(), data))
        self.urgent.append(urgent)

    def typed(self) -> None:
        """What on_input notes of a keystroke (its bytes go to the engine, not needed here)."""
        self.inputs += 1

    async def output(self, data: bytes) -> None:
        await self.stream.chunks.put(data)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def long_batch_window(monkeypatch):
    monkeypatch.setattr(terminal, "BATCH_SECONDS", WINDOW)
    monkeypatch.setattr(terminal, "FLOOD_BATCH_SECONDS", WINDOW)


async def sent_within(session: Relayed, count: int, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while len(session.sent) < count and loop.time() < deadline:
        await asyncio.sleep(0.005)
    return len(session.sent) >= count


def relay(body, session_class=None, loop_factory=None):
    async def run():
        session = (session_class or Relayed)()
        relaying = asyncio.create_task(session.relay())
        try:
            return await body(session)
        finally:
            await session.output(b"")
            await asyncio.wait_for(relaying, 5)

    return run_async(run(), loop_factory)


async def type_keys(session: Relayed, keys: bytes) -> list[bool]:
    """Each key typed, and its echo output, as soon as the one before was sent: whether each went at once."""
    echoes = []
    for key in keys:
        count = len(session.sent) + 1
        session.typed()
        await session.output(bytes([key]))
        echoes.append(await sent_within(session, count, AT_ONCE))
    return echoes


def test_given_keys_typed_back_to_back_when_each_echo_follows_the_last_send_then_none_is_held():
    async def body(session):
        await session.output(b"$ ")
        assert await sent_within(session, 1, AT_ONCE)
        echoes = await type_keys(session, b"abcde")
        return echoes, [data for _, data in session.sent], session.urgent

    echoes, sent, urgent = relay(body)

    assert echoes == [True] * 5, "an echo waited out the batch window of the send before it"
    assert sent == [b"$ ", b"a", b"b", b"c", b"d", b"e"]
    # Each echo answers a key: it goes in the urgent lane (wire.layer); the prompt nobody typed for does not.
    assert urgent == [False, True, True, True, True, True]


class SlowSends(Relayed):
    """Each send takes a while, as one through Redis does: keys typed meanwhile are not answered by it."""

    async def emit(self, data, urgent=False) -> None:
        await super().emit(data, urgent)
        await asyncio.sleep(0.05)


def test_given_a_key_typed_while_the_last_echo_is_on_its_way_then_its_own_echo_is_not_held():
    async def body(session):
        # The next key comes as soon as this echo is read, before its send is done.
        echoes = await type_keys(session, b"abcdef")
        return echoes, [data for _, data in session.sent], session.urgent

    echoes, sent, urgent = relay(body, SlowSends)

    assert echoes == [True] * 6, "an echo was held for the batch window: its key came while the last one was sent"
    assert sent == [bytes([key]) for key in b"abcdef"]
    assert urgent == [True] * 6


class TypedOnEcho(Relayed):
    """The next key comes the moment an echo is sent, within the millisecond its bytes were read
    (a tool driving the shell, key repeat over a quick link)."""

    keys = list(b"bcdef")

    async def emit(self, data, urgent=False) -> None:
        await super().emit(data, urgent)
        if self.keys:
            self.typed()
            self.stream.chunks.put_nowait(bytes([self.keys.pop(0)]))


def test_given_uvloops_millisecond_clock_when_a_key_comes_in_the_millisecond_of_the_last_echo_then_it_is_not_held():
    """The host worker runs uvloop, whose loop.time() moves in whole milliseconds."""
    uvloop = pytest.importorskip("uvloop")

    async def body(session):
        session.typed()
        await session.output(b"a")
        return await sent_within(session, 6, AT_ONCE), [data for _, data in session.sent], session.urgent

    at_once, sent, urgent = relay(body, TypedOnEcho, loop_factory=uvloop.new_event_loop)

    assert at_once, f"an echo was held for the batch window: {len(sent)} of 6 sent at once"
    assert sent == [bytes([key]) for key in b"abcdef"]
    assert urgent == [True] * 6


def test_given_output_nobody_typed_for_when_it_follows_a_send_then_it_is_batched():
    async def body(session):
        await session.output(b"first")
        assert await sent_within(session, 1, AT_ONCE)
        await session.output(b"second")
        await session.output(b"third")
        held = not await sent_within(session, 2, AT_ONCE)
        assert await sent_within(session, 2, WINDOW * 4)
        return held, [data for _, data in session.sent], session.urgent

    held, sent, urgent = relay(body)

    assert held, "output nobody typed for went out within the batch window"
    assert sent == [b"first", b"secondthird"]
    assert urgent == [False, False]


def test_given_batched_output_when_a_key_is_typed_meanwhile_then_what_is_held_goes_with_the_echo():
    async def body(session):
        await session.output(b"first")
        assert await sent_within(session, 1, AT_ONCE)
        await session.output(b"busy")
        await asyncio.sleep(0.05)
        session.typed()
        await session.output(b"k")
        return await sent_within(session, 2, AT_ONCE), [data for _, data in session.sent]

    at_once, sent = relay(body)

    assert at_once and sent == [b"first", b"busyk"]


def test_given_a_flood_that_prints_in_bursts_when_relayed_then_each_burst_goes_whole_and_bursts_are_batched(
    monkeypatch,
):
    """A loop printing a line each 100 ms is a flood (no gap is a quiet spell), and a line that
    reaches the worker in pieces goes as one chunk: what a hundred such floods cost the web process
    is a few messages a second each, not one per piece."""
    monkeypatch.setattr(terminal, "BATCH_SECONDS", 0.01)
    monkeypatch.setattr(terminal, "GATHER_SECONDS", 0.1)
    monkeypatch.setattr(terminal, "FLOOD_AFTER", 0.1)
    monkeypatch.setattr(terminal, "FLOOD_BATCH_SECONDS", 0.35)
    monkeypatch.setattr(terminal, "QUIET_SECONDS", 1.0)
    burst = b"x" * 30 + b"\r\n"

    async def body(session):
        for _ in range(10):
            for piece in (burst[:10], burst[10:20], burst[20:]):
                await session.output(piece)
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        return [data for _, data in session.sent], session.urgent

    sent, urgent = relay(body)

    assert b"".join(sent) == burst * 10  # every byte, in order
    assert all(len(data) % len(burst) == 0 for data in sent), [len(data) for data in sent]
    assert len(sent) <= 6, f"{len(sent)} sends for 10 bursts over about 1.1 s"
    assert not any(urgent)
