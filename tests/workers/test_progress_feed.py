"""Progress is batched: the first change goes at once, then at most one batch per interval, and
a late viewer's snapshot holds everything so far. Every batch and snapshot is MACed with the
operation's key (wire.progress); without a key nothing goes out live."""

import time

from wire.progress import verified_snapshot
from wire.stream_signing import new_stream_key
from workers.operations.feed import ProgressFeed

KEY = new_stream_key()


class Recorder:
    def __init__(self):
        self.sent, self.stored = [], {}

    def send(self, group, message):
        self.sent.append((time.monotonic(), group, KEY.verify(message)))

    def store(self, key, text, ttl):
        self.stored[key] = verified_snapshot(KEY, text).to_wire()


def test_a_flood_of_lines_becomes_a_few_batches_and_nothing_is_lost():
    recorder = Recorder()
    feed = ProgressFeed(7, "web-1", recorder.send, recorder.store, interval=0.1, key=KEY)
    started = time.monotonic()

    for i in range(5000):
        feed.build_line({"stream": f"line {i}\n"})
        if i % 1000 == 0:
            time.sleep(0.05)
    summary = feed.close()

    assert recorder.sent[0][0] - started < 0.05  # the first at once
    assert len(recorder.sent) <= 10
    lines = [line for _, _, m in recorder.sent for line in m["log"]]
    assert lines == [f"line {i}" for i in range(5000)]
    assert [m["seq"] for _, _, m in recorder.sent] == list(range(1, len(recorder.sent) + 1))
    assert {g for _, g, _ in recorder.sent} == {"berth.operation.7"}
    assert recorder.stored["berth:operation:web-1:7:progress"]["log"][-1] == "line 4999"
    assert summary["seq"] == len(recorder.sent)


def test_layers_are_sent_as_they_change():
    recorder = Recorder()
    feed = ProgressFeed(8, "web-1", recorder.send, recorder.store, interval=0.01, key=KEY)

    feed.image_line({"status": "Pulling from x", "id": "1"})
    feed.image_line({"status": "Downloading", "id": "abc", "progressDetail": {"current": 5, "total": 10}})
    time.sleep(0.05)
    feed.image_line({"status": "Pull complete", "id": "abc", "progressDetail": {}})
    feed.close()

    layers = [layer for _, _, m in recorder.sent for layer in m["layers"]]
    assert layers[0] == {"id": "abc", "status": "Downloading", "phase": "downloading", "current": 5, "total": 10}
    assert layers[-1]["phase"] == "done" and layers[-1]["current"] == 10


def test_without_a_key_nothing_goes_out_live_and_the_summary_still_has_everything():
    recorder = Recorder()
    feed = ProgressFeed(9, "web-1", recorder.send, recorder.store, interval=0.01)

    feed.note("one")
    feed.build_line({"stream": "two\n"})
    summary = feed.close()

    assert recorder.sent == [] and recorder.stored == {}
    assert summary["log"] == ["one", "two"]
