"""Small stand-ins for the heartbeat's collaborators, each recording what it was asked."""

from __future__ import annotations

from dataclasses import replace

from engine import EngineInfo, EngineUnavailable
from tests.workers.conftest import make_identity
from workers.reports import EngineState


def engine_info(**overrides) -> EngineInfo:
    info = EngineInfo(
        engine_id="ENGINE:ONE",
        hostname="box-a",
        engine_version="20.10.24",
        api_version="1.41",
        os="Debian GNU/Linux 12",
        kernel="6.1.0",
        arch="x86_64",
        cpus=4,
        memory=8_000_000_000,
        containers=2,
        containers_running=1,
        containers_paused=0,
        containers_stopped=1,
        images=3,
    )
    return replace(info, **overrides)


class FakeEngine:
    """An engine that answers until told to go away, and can come back with other facts."""

    base_url = "unix:///fake/docker.sock"

    def __init__(self, info: EngineInfo | None = None):
        self.facts = info or engine_info()
        self.down = False
        self.info_calls = 0

    def go_away(self) -> None:
        self.down = True

    def come_back(self, **changes) -> None:
        self.down = False
        self.facts = replace(self.facts, **changes)

    def _answer(self) -> None:
        if self.down:
            raise EngineUnavailable(f"Docker engine at {self.base_url} did not answer: connection refused")

    def ping(self) -> bool:
        self._answer()
        return True

    def info(self) -> EngineInfo:
        self._answer()
        self.info_calls += 1
        return self.facts


class RecordingReporter:
    def __init__(self):
        self.sent: list[tuple[str, EngineState | None]] = []

    def send(self, kind: str, state: EngineState | None = None, **extra) -> bool:
        self.sent.append((kind, state))
        return True

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.sent]


class FakeClaim:
    def __init__(self):
        self.identity = make_identity("web-1")
        self.ours = True
        self.refreshed_with: list[str | None] = []
        self.released = False

    def refresh(self, engine_id: str | None) -> bool:
        self.refreshed_with.append(engine_id)
        return self.ours

    def holder(self) -> dict:
        return {"machine": "box-b", "pid": 4242, "instance": "someone-else"}

    def release(self) -> None:
        self.released = True


class FakeCeleryApp:
    def __init__(self, fail_with: Exception | None = None):
        self.fail_with = fail_with
        self.sent: list[dict] = []

    def send_task(self, name, kwargs=None, queue=None, **options):
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append({"name": name, "kwargs": kwargs, "queue": queue})
