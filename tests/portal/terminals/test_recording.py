"""Recordings: asciicast v2 with characters split between reads kept whole, a size cap, and
retention (old recordings purged, their sessions kept)."""

import itertools
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.terminals.housekeeping import purge_recordings
from portal.terminals.models import TerminalSession
from portal.terminals.recording import TRUNCATED_NOTE, Recorder
from tests.portal.factories import make_container, make_host, make_user
from tests.portal.terminals.factories import make_terminal_session


def events_of(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def test_given_characters_split_between_reads_when_recorded_then_they_are_whole(tmp_path):
    recorder = Recorder(tmp_path / "a.cast", cols=80, rows=24, max_bytes=10_000, title="t", command="/bin/sh")
    data = "你好 😀\r\n".encode()

    for index in range(len(data)):  # one byte per read: the worst case
        recorder.output(data[index : index + 1])
    recorder.input("é".encode()[:1])
    recorder.input("é".encode()[1:])
    recorder.resize(100, 40)
    recorder.close()

    header, events = events_of(tmp_path / "a.cast")
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert "".join(e[2] for e in events if e[1] == "o") == "你好 😀\r\n"
    assert [e[2] for e in events if e[1] == "i"] == ["é"]
    assert [e[2] for e in events if e[1] == "r"] == ["100x40"]
    assert all(later[0] >= earlier[0] for earlier, later in itertools.pairwise(events))


def test_given_a_size_cap_when_output_exceeds_it_then_the_recording_stops_with_a_note(tmp_path):
    recorder = Recorder(tmp_path / "b.cast", cols=80, rows=24, max_bytes=2_000)

    for _ in range(100):
        recorder.output(b"y\r\n" * 10)
    recorder.close()

    assert recorder.truncated
    assert (tmp_path / "b.cast").stat().st_size <= 2_000 + 200
    _, events = events_of(tmp_path / "b.cast")
    assert events[-1][2] == TRUNCATED_NOTE


def test_given_events_taken_on_the_loop_when_the_recordings_thread_writes_them_then_they_are_in_order_and_none_lost(
    tmp_path,
):
    """The loop only takes events; the recordings thread writes them (within FLUSH_EVERY, without
    a close), in the order taken; close writes what is left."""
    recorder = Recorder(tmp_path / "c.cast", cols=80, rows=24, max_bytes=10_000_000)
    for n in range(2000):
        recorder.output(b"%d\r\n" % n)
        if n % 500 == 0:
            recorder.input(b"k")
    deadline = time.monotonic() + 10
    lines = lambda: (tmp_path / "c.cast").read_bytes().count(b"\n")  # noqa: E731 (whole lines only)
    while time.monotonic() < deadline and lines() < 2005:
        time.sleep(0.05)
    written_by_the_thread = lines() - 1
    recorder.output(b"last\r\n")
    recorder.close()

    _, events = events_of(tmp_path / "c.cast")
    assert written_by_the_thread == 2004
    assert [e[2] for e in events if e[1] == "o"] == [f"{n}\r\n" for n in range(2000)] + ["last\r\n"]
    assert [i for i, e in enumerate(events) if e[1] == "i"] == [1, 502, 1003, 1504]
    assert all(later[0] >= earlier[0] for earlier, later in itertools.pairwise(events))
    assert recorder.bytes == (tmp_path / "c.cast").stat().st_size


@pytest.mark.django_db
def test_given_old_and_new_recordings_when_housekeeping_runs_then_only_the_old_files_go(settings, tmp_path):
    settings.BERTH_RECORDINGS_DIR = tmp_path
    settings.BERTH_RECORDING_DAYS = 30
    container, user = make_container(make_host("web-1")), make_user()
    old = make_terminal_session(user, container, started_at=timezone.now() - timedelta(days=31))
    new = make_terminal_session(user, container, started_at=timezone.now() - timedelta(days=29))
    old_file = tmp_path / old.recording

    purged = purge_recordings()

    assert purged == 1
    assert not old_file.exists() and (tmp_path / new.recording).exists()
    old.refresh_from_db()
    assert old.recording == "" and TerminalSession.objects.filter(pk=old.pk).exists()
