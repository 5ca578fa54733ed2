"""The host worker's side of logs: batching pieces into frames, and the pump whose full buffer
stops the reading of a fast container while the browser is behind."""

import asyncio
import threading
import time

from tests.support.aio import run_async
from workers.streams.logs import batch_pieces, log_options
from workers.streams.pump import Pump


def test_consecutive_pieces_of_a_stream_are_joined_and_streams_stay_in_order():
    pieces = [("stdout", "a\n"), ("stdout", "b\n"), ("stderr", "x\n"), ("stdout", "c\n")]

    batches = batch_pieces(pieces)

    assert batches == [
        [
            {"stream": "stdout", "data": "a\nb\n"},
            {"stream": "stderr", "data": "x\n"},
            {"stream": "stdout", "data": "c\n"},
        ]
    ]


def test_batches_never_exceed_the_limit_and_a_long_piece_is_cut_without_losing_a_character():
    pieces = [("stdout", "12345"), ("stderr", "678"), ("stdout", "9")]

    batches = batch_pieces(pieces, limit=4)

    assert [sum(len(e["data"]) for e in batch) for batch in batches] == [4, 4, 1]
    assert "".join(e["data"] for batch in batches for e in batch) == "123456789"
    assert [e["stream"] for batch in batches for e in batch] == ["stdout", "stdout", "stderr", "stdout"]


def test_the_open_request_becomes_engine_options():
    options = log_options({"tail": 10, "since": 1700000000.5, "timestamps": True, "follow": False})

    assert (options.tail, options.since, options.timestamps, options.follow) == (10, 1700000000.5, True, False)
    assert log_options({}).tail is None and log_options({}).follow is True


class Endless:
    """A source that would write forever; counts what was read from it."""

    def __init__(self):
        self.read = 0
        self.closed = threading.Event()

    def __iter__(self):
        while not self.closed.is_set():
            self.read += 1
            yield [("stdout", "x" * 100)]

    def close(self):
        self.closed.set()


def test_given_nobody_takes_when_the_buffer_is_full_then_the_source_is_no_longer_read():
    source = Endless()

    async def scenario():
        pump = Pump(1000, weight=lambda piece: len(piece[1]))
        pump.start(source)
        await asyncio.sleep(0.3)
        read_while_behind = source.read
        await asyncio.sleep(0.3)
        stalled = source.read == read_while_behind
        taken = await pump.take()
        await asyncio.sleep(0.1)
        resumed = source.read > read_while_behind
        pump.stop()
        return read_while_behind, stalled, taken, resumed

    read_while_behind, stalled, taken, resumed = run_async(scenario())

    assert read_while_behind <= 11  # 1,000 characters held, plus the one piece the reader blocks with
    assert stalled
    assert len(taken) == 10
    assert resumed
    assert source.closed.is_set()


def test_given_a_finite_source_then_everything_is_taken_in_order_then_none():
    async def scenario():
        pump = Pump(10**6)
        pump.start(iter([[1, 2], [3], [4, 5, 6]]))
        taken = []
        while (items := await pump.take()) is not None:
            taken += items
        return taken

    assert run_async(scenario()) == [1, 2, 3, 4, 5, 6]


def test_given_a_source_that_fails_then_the_error_is_kept_for_the_session_to_report():
    def failing():
        yield ["first"]
        raise OSError("the engine went away")

    async def scenario():
        pump = Pump(100)
        pump.start(failing())
        taken = [await pump.take(), await pump.take()]
        return taken, pump.error

    taken, error = run_async(scenario())

    assert taken == [["first"], None]
    assert str(error) == "the engine went away"


def test_given_a_reader_blocked_on_a_full_buffer_when_stopped_then_its_thread_ends():
    source = Endless()

    async def scenario():
        pump = Pump(100, weight=lambda piece: len(piece[1]))
        pump.start(source)
        await asyncio.sleep(0.1)
        pump.stop()

    run_async(scenario())
    time.sleep(0.1)

    assert not [t for t in threading.enumerate() if t.name == "berth-pump"]
