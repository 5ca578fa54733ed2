"""The heartbeat with a fake engine, a recording reporter and a fake name claim."""

import os
import signal
import threading
import time

import pytest

from tests.workers.factories import FakeClaim, FakeEngine, RecordingReporter
from workers.heartbeat import Heartbeat


@pytest.fixture
def kills(monkeypatch):
    """Stands in for os.kill so a heartbeat that gives up does not stop the test run."""
    sent = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append((pid, sig)))
    return sent


def make_heartbeat(engine=None, interval=0.01, info_every=10.0):
    return Heartbeat(engine or FakeEngine(), RecordingReporter(), FakeClaim(), interval=interval, info_every=info_every)


def wait_until(condition, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def test_the_first_beat_reports_a_reachable_engine_with_its_facts():
    heartbeat = make_heartbeat()

    heartbeat.beat("hello")

    [(kind, state)] = heartbeat.reporter.sent
    assert kind == "hello"
    assert state.reachable is True
    assert state.info.engine_id == "ENGINE:ONE"
    assert heartbeat.claim.refreshed_with == ["ENGINE:ONE"]


def test_between_info_refreshes_a_beat_only_pings():
    engine = FakeEngine()
    heartbeat = make_heartbeat(engine, info_every=60)

    for _ in range(5):
        heartbeat.beat()

    assert engine.info_calls == 1
    assert all(state.info.engine_id == "ENGINE:ONE" for _, state in heartbeat.reporter.sent)


def test_an_engine_that_goes_away_is_reported_unreachable_while_beats_go_on():
    # Given a heartbeat whose engine answered
    engine = FakeEngine()
    heartbeat = make_heartbeat(engine)
    heartbeat.beat("hello")

    # When the engine stops answering
    engine.go_away()
    heartbeat.beat()
    heartbeat.beat()

    # Then every beat still reports, saying the engine is unreachable and why
    assert heartbeat.reporter.kinds == ["hello", "heartbeat", "heartbeat"]
    for _, state in heartbeat.reporter.sent[1:]:
        assert state.reachable is False
        assert "did not answer: connection refused" in state.error
        assert state.info.engine_id == "ENGINE:ONE"  # the last facts known, for display
    # and the host keeps its name
    assert heartbeat.claim.refreshed_with == ["ENGINE:ONE"] * 3


def test_an_engine_that_comes_back_is_reported_reachable_with_fresh_facts():
    engine = FakeEngine()
    heartbeat = make_heartbeat(engine, info_every=60)
    heartbeat.beat("hello")
    engine.go_away()
    heartbeat.beat()

    # When the engine answers again, upgraded meanwhile
    engine.come_back(engine_version="24.0.7")
    heartbeat.beat()

    _, state = heartbeat.reporter.sent[-1]
    assert state.reachable is True
    assert state.error == ""
    assert state.info.engine_version == "24.0.7"


def test_an_engine_unreachable_from_the_start_is_reported_without_facts():
    engine = FakeEngine()
    engine.go_away()
    heartbeat = make_heartbeat(engine)

    heartbeat.beat("hello")

    [(_, state)] = heartbeat.reporter.sent
    assert state.reachable is False
    assert state.info is None
    assert heartbeat.claim.refreshed_with == [None]


def test_a_lost_name_claim_stops_the_worker_without_reporting(kills):
    # Given a heartbeat whose name was taken by another worker
    heartbeat = make_heartbeat()
    heartbeat.claim.ours = False

    # When it beats
    heartbeat.beat("hello")

    # Then it reports nothing and asks its own process to stop
    assert heartbeat.reporter.sent == []
    assert kills == [(os.getpid(), signal.SIGTERM)]


def test_the_running_heartbeat_says_hello_then_beats_and_stops_when_the_claim_is_lost(kills):
    heartbeat = make_heartbeat(interval=0.01)
    heartbeat.start()
    try:
        assert wait_until(lambda: len(heartbeat.reporter.sent) >= 3)
        assert heartbeat.reporter.kinds[0] == "hello"
        assert set(heartbeat.reporter.kinds[1:]) == {"heartbeat"}

        # When another worker takes the name
        heartbeat.claim.ours = False

        # Then the heartbeat thread ends and the process is asked to stop
        heartbeat._thread.join(timeout=2)
        assert not heartbeat._thread.is_alive()
        assert kills == [(os.getpid(), signal.SIGTERM)]
    finally:
        heartbeat._stop.set()


def test_a_failing_beat_does_not_end_the_heartbeat(kills):
    heartbeat = make_heartbeat(interval=0.01)
    failures = []

    def refresh_once_broken(engine_id):
        if not failures:
            failures.append(engine_id)
            raise ConnectionError("Redis went away")
        return True

    heartbeat.claim.refresh = refresh_once_broken
    heartbeat.start()
    try:
        # The first beat (hello) failed; the thread retries and keeps beating
        assert wait_until(lambda: len(heartbeat.reporter.sent) >= 2)
        assert failures
        assert heartbeat.reporter.kinds[0] == "hello"
    finally:
        heartbeat._stop.set()
        heartbeat._thread.join(timeout=2)


def test_stopping_says_goodbye_and_lets_go_of_the_name():
    heartbeat = make_heartbeat(interval=0.01)
    heartbeat.start()
    assert wait_until(lambda: heartbeat.reporter.sent)

    heartbeat.stop()

    assert not heartbeat._thread.is_alive()
    assert heartbeat.reporter.kinds[-1] == "goodbye"
    assert heartbeat.claim.released is True


class HangingEngine(FakeEngine):
    """Takes the probe's connection and answers only when let go (a dockerd starting over what a
    killed one left: it stops the containers still running before it answers anything)."""

    def __init__(self):
        super().__init__()
        self.let_go = threading.Event()
        self.hanging = False

    def ping(self) -> bool:
        if self.hanging:
            self.let_go.wait(10)
        return super().ping()


def test_an_engine_that_takes_connections_but_does_not_answer_never_holds_the_beats_up(kills):
    # Given a running heartbeat whose engine answered
    engine = HangingEngine()
    heartbeat = Heartbeat(engine, RecordingReporter(), FakeClaim(), interval=0.05, patience=0.3)
    heartbeat.start()
    try:
        assert wait_until(lambda: heartbeat.reporter.sent and heartbeat.reporter.sent[-1][1].reachable)

        # When the engine stops answering, its connections left hanging
        engine.hanging = True
        hung = time.monotonic()
        assert wait_until(lambda: not heartbeat.reporter.sent[-1][1].reachable, timeout=3)

        # Then the beats go on at their pace (the name claim kept), saying after `patience` that
        # the engine does not answer, and what it was known to be
        said = time.monotonic() - hung
        assert 0.3 <= said < 1.5, said
        beats = len(heartbeat.reporter.sent)
        time.sleep(0.5)
        assert len(heartbeat.reporter.sent) - beats >= 4
        _, state = heartbeat.reporter.sent[-1]
        assert "did not answer within" in state.error
        assert engine.base_url in state.error
        assert state.info.engine_id == "ENGINE:ONE"
        assert len(heartbeat.claim.refreshed_with) >= len(heartbeat.reporter.sent)

        # and once it answers, it is reachable again at the next beat
        engine.hanging = False
        engine.let_go.set()
        assert wait_until(lambda: heartbeat.reporter.sent[-1][1].reachable, timeout=1)
    finally:
        engine.let_go.set()
        heartbeat._stop.set()
        heartbeat._thread.join(timeout=2)


def test_an_engine_that_answers_again_is_said_to_at_once_not_at_the_next_beat():
    # Given a running heartbeat that has just said its engine does not answer
    engine = FakeEngine()
    heartbeat = Heartbeat(engine, RecordingReporter(), FakeClaim(), interval=1.5)
    engine.go_away()
    heartbeat.start()
    try:
        assert wait_until(lambda: heartbeat.reporter.sent, timeout=2)
        assert not heartbeat.reporter.sent[-1][1].reachable

        # When the engine answers again, well before the next beat is due
        engine.come_back()
        back = time.monotonic()

        # Then a beat says so within a recovery probe's time, not an interval later
        assert wait_until(lambda: heartbeat.reporter.sent[-1][1].reachable, timeout=1.5)
        assert time.monotonic() - back < 0.75
        assert heartbeat.reporter.kinds == ["hello", "heartbeat"]
    finally:
        heartbeat._stop.set()
        heartbeat._thread.join(timeout=3)
