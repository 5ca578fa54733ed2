from datetime import datetime

from tests.workers.conftest import make_identity
from tests.workers.factories import FakeCeleryApp, engine_info
from wire.names import PORTAL_QUEUE, REPORT_TASK
from workers.reports import WORKER_VERSION, EngineState, Reporter


def make_reporter(app=None) -> Reporter:
    identity = make_identity("web-1", name="Web 1", machine="box-a", pid=321)
    return Reporter(app or FakeCeleryApp(), identity, "unix:///var/run/docker.sock", compose_version="2.40.3")


def test_reports_are_numbered_in_strictly_increasing_order():
    reporter = make_reporter()

    seqs = [reporter.build(kind)["seq"] for kind in ("hello", "heartbeat", "heartbeat", "goodbye")]

    assert seqs == [1, 2, 3, 4]


def test_a_report_names_the_host_the_worker_and_the_engine():
    reporter = make_reporter()
    state = EngineState(reachable=True, info=engine_info(engine_id="ENGINE:ONE"))

    report = reporter.build("hello", state)

    assert report["kind"] == "hello"
    assert report["host"] == "web-1"
    assert report["name"] == "Web 1"
    assert report["instance"] == reporter.identity.instance
    assert report["worker"] == {
        "machine": "box-a",
        "pid": 321,
        "version": WORKER_VERSION,
        "docker_host": "unix:///var/run/docker.sock",
        "compose_version": "2.40.3",
    }
    assert report["engine"]["reachable"] is True
    assert report["engine"]["error"] == ""
    assert report["engine"]["info"]["engine_id"] == "ENGINE:ONE"
    assert datetime.fromisoformat(report["sent_at"]).tzinfo is not None


def test_an_unreachable_engine_is_reported_with_its_error_and_last_known_facts():
    reporter = make_reporter()
    state = EngineState(reachable=False, info=engine_info(), error="connection refused")

    engine = reporter.build("heartbeat", state)["engine"]

    assert engine["reachable"] is False
    assert engine["error"] == "connection refused"
    assert engine["info"]["api_version"] == "1.41"


def test_a_report_without_engine_state_carries_extras_instead():
    report = make_reporter().build("refused", reason="name in use")

    assert "engine" not in report
    assert report["reason"] == "name in use"


def test_send_puts_the_report_on_the_portal_queue():
    app = FakeCeleryApp()
    reporter = make_reporter(app)

    assert reporter.send("hello", EngineState(reachable=True, info=engine_info())) is True

    [task] = app.sent
    assert task["name"] == REPORT_TASK
    assert task["queue"] == PORTAL_QUEUE
    assert task["kwargs"]["report"]["kind"] == "hello"


def test_send_says_false_and_does_not_raise_when_the_broker_is_down():
    reporter = make_reporter(FakeCeleryApp(fail_with=ConnectionError("Error 111 connecting to redis")))

    assert reporter.send("heartbeat", EngineState(reachable=True)) is False
    # a failed send still used its number: the portal never sees a number twice
    assert reporter.build("heartbeat")["seq"] == 2
