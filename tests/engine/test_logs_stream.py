"""Logs and stats streams against the real Docker engine: what `docker logs` and `docker stats` give."""

import threading
import time

import pytest

from engine import Engine
from engine.logs import LogOptions, open_logs, since_param
from engine.stats import open_stats
from engine.streaming import ContainerNotFound
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects

BOTH_STREAMS = "i=1; while [ $i -le 5 ]; do echo out $i; echo err $i >&2; i=$((i+1)); done"


@pytest.fixture(scope="module")
def engine():
    engine = Engine()
    yield engine
    engine.close()
    remove_test_objects()


def run(script: str, *flags: str) -> str:
    return docker("run", "-d", "--label", TEST_LABEL, *flags, IMAGE, "sh", "-c", script)


def wait_exited(container_id: str) -> None:
    docker("wait", container_id)


def read_all(stream) -> list[tuple[str, str]]:
    return [piece for chunk in stream for piece in chunk]


def lines_of(pieces, stream: str) -> list[str]:
    return "".join(text for s, text in pieces if s == stream).splitlines()


def test_given_a_container_writing_to_both_streams_then_stdout_and_stderr_come_apart_each_in_order(engine):
    container = run(BOTH_STREAMS)
    wait_exited(container)

    pieces = read_all(open_logs(engine, container, LogOptions(follow=False)))

    assert lines_of(pieces, "stdout") == [f"out {i}" for i in range(1, 6)]
    assert lines_of(pieces, "stderr") == [f"err {i}" for i in range(1, 6)]


def test_given_a_tail_then_only_the_last_lines_come(engine):
    container = run("seq 1 100")
    wait_exited(container)

    pieces = read_all(open_logs(engine, container, LogOptions(tail=3, follow=False)))

    assert lines_of(pieces, "stdout") == ["98", "99", "100"]


def test_given_timestamps_then_each_line_starts_with_one(engine):
    container = run("echo hello")
    wait_exited(container)

    pieces = read_all(open_logs(engine, container, LogOptions(timestamps=True, follow=False)))

    stamp, _, text = lines_of(pieces, "stdout")[0].partition(" ")
    assert text == "hello"
    assert stamp.startswith("20") and stamp.endswith("Z")


def test_given_since_then_older_lines_are_left_out(engine):
    container = run("echo before; sleep 2; echo after")
    time.sleep(1)
    since = time.time()
    wait_exited(container)

    pieces = read_all(open_logs(engine, container, LogOptions(since=since, follow=False)))

    assert lines_of(pieces, "stdout") == ["after"]


def test_given_a_tty_container_then_its_output_is_one_stream_reported_as_stdout(engine):
    container = run("echo out; echo err >&2", "-t")
    wait_exited(container)

    pieces = read_all(open_logs(engine, container, LogOptions(follow=False)))

    assert {s for s, _ in pieces} == {"stdout"}
    assert "".join(t for _, t in pieces).split() == ["out", "err"]


def test_given_a_followed_container_when_it_stops_then_the_stream_ends_after_its_last_line(engine):
    container = run("echo first; sleep 1; echo last")

    started = time.monotonic()
    pieces = read_all(open_logs(engine, container, LogOptions(follow=True)))

    assert lines_of(pieces, "stdout") == ["first", "last"]
    assert time.monotonic() - started < 10


def test_given_a_follower_slower_than_the_writer_when_the_container_exits_then_no_line_is_lost(engine):
    # Docker 20.10 ends a follow as soon as the container is gone, dropping what was not read yet.
    count = 100_000
    container = run(f"seq 1 {count}")
    stream = open_logs(engine, container, LogOptions(follow=True))
    lines = []
    for chunk in stream:
        if not lines:
            wait_exited(container)  # far behind: the container wrote everything and exited meanwhile
        lines += "".join(text for _, text in chunk).splitlines()

    assert lines == [str(n) for n in range(1, count + 1)]


def test_an_engine_time_becomes_a_since_to_the_nanosecond():
    assert since_param(b"2026-01-31T12:00:00.000000123Z") == "1769860800.000000123"
    assert since_param(b"2026-01-31T12:00:00.5Z") == "1769860800.500000000"
    assert since_param(b"2026-01-31T12:00:00Z") == "1769860800.000000000"


def test_given_a_followed_stream_when_closed_from_another_thread_then_the_reader_returns_at_once(engine):
    container = run("echo start; sleep 600")
    stream = open_logs(engine, container, LogOptions(follow=True))
    seen = []
    reader = threading.Thread(target=lambda: seen.extend(read_all(stream)))
    reader.start()
    time.sleep(0.5)

    stream.close()
    reader.join(5)

    assert not reader.is_alive()
    assert lines_of(seen, "stdout") == ["start"]


def test_given_no_such_container_then_container_not_found(engine):
    with pytest.raises(ContainerNotFound):
        open_logs(engine, "no-such-container-anywhere", LogOptions())
    with pytest.raises(ContainerNotFound):
        open_stats(engine, "no-such-container-anywhere")


def test_given_a_running_container_then_stats_samples_come_about_every_second_with_sane_figures(engine):
    container = run("while true; do :; done")
    stream = open_stats(engine, container)
    samples = []
    for sample in stream:
        samples.append(sample)
        if len(samples) == 3:
            break
    stream.close()

    first, *later = samples
    assert first.cpu_percent is None or first.cpu_percent >= 0
    # A busy loop uses CPU in every sample; how much depends on what else the machine runs.
    assert all(s.cpu_percent is not None and 0 < s.cpu_percent <= 100 * s.online_cpus for s in later), later
    assert all(0 < s.memory_usage < s.memory_limit for s in samples)
    assert all(s.pids >= 1 and s.online_cpus >= 1 for s in samples)


def test_given_a_stats_stream_when_the_container_stops_then_the_stream_ends(engine):
    container = run("sleep 600")
    stream = open_stats(engine, container)
    samples = iter(stream)
    next(samples)

    docker("stop", "-t", "0", container)
    started = time.monotonic()
    rest = list(samples)

    assert time.monotonic() - started < 5
    assert all(not s.read.startswith("0001") for s in rest)
