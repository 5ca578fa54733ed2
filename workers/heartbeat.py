"""The heartbeat: probe the engine, keep the name claim, tell the portal this host is alive."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import redis
from kombu.exceptions import OperationalError

from engine import Engine, EngineUnavailable
from workers.identity import NameClaim
from workers.reports import EngineState, Reporter
from workers.usage import host_usage

__all__ = ["Heartbeat"]

log = logging.getLogger(__name__)


class Heartbeat:
    """Every `interval` seconds: ping the engine (full info now and then), refresh the claim, report.

    An engine that stops answering is reported as unreachable while the heartbeat goes on,
    and picked up again as soon as it answers.
    """

    def __init__(
        self,
        engine: Engine,
        reporter: Reporter,
        claim: NameClaim,
        interval: float = 2.0,
        info_every: float = 10.0,
    ):
        self.engine = engine
        self.reporter = reporter
        self.claim = claim
        self.interval = interval
        self.info_every = info_every
        self.state = EngineState(reachable=False, error="not probed yet")
        self._info_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def probe(self) -> EngineState:
        previous = self.state
        try:
            self.engine.ping()
            stale = time.monotonic() - self._info_at >= self.info_every
            if previous.info is None or not previous.reachable or stale:
                info = self.engine.info()
                self.state = EngineState(reachable=True, info=info, usage=host_usage(info.docker_root_dir))
                self._info_at = time.monotonic()
            else:
                self.state = EngineState(reachable=True, info=previous.info, usage=previous.usage)
        except EngineUnavailable as exc:
            self.state = EngineState(reachable=False, info=previous.info, error=str(exc), usage=previous.usage)
        if previous.reachable != self.state.reachable:
            if self.state.reachable:
                info = self.state.info
                log.info(
                    "Docker engine %s (API %s) answers at %s",
                    info.engine_version,
                    info.api_version,
                    self.engine.base_url,
                )
            else:
                log.warning("%s", self.state.error)
        return self.state

    def beat(self, kind: str = "heartbeat") -> None:
        state = self.probe()
        if not self.claim.refresh(state.engine_id):
            holder = self.claim.holder() or {}
            log.error(
                "Another worker (machine %s, pid %s) took the host name '%s'; stopping this one.",
                holder.get("machine"),
                holder.get("pid"),
                self.claim.identity.slug,
            )
            self._stop.set()
            os.kill(os.getpid(), signal.SIGTERM)
            return
        self.reporter.send(kind, state)

    def _run(self) -> None:
        kind = "hello"
        redis_failing = False
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.beat(kind)
                kind = "heartbeat"
                if redis_failing:
                    log.info("Heartbeats reach Redis again")
                redis_failing = False
            except (redis.RedisError, OperationalError) as exc:
                # Redis away: said once, not every beat with a traceback; the beats go on.
                if not redis_failing:
                    log.warning("Heartbeat failed: Redis does not answer (%s); trying again every beat", exc)
                redis_failing = True
            except Exception:
                log.exception("Heartbeat failed; trying again")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="berth-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        self.reporter.send("goodbye", self.state)
        self.claim.release()
