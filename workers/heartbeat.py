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

# However short the interval, a beat gives a healthy engine this long to answer its probe.
BEAT_WAITS_AT_LEAST = 1.0
# Between beats, how often an engine that does not answer is asked again.
RECOVERY_PROBE_EVERY = 0.25


class Heartbeat:
    """Every `interval` seconds: ping the engine (full info now and then), refresh the claim, report.

    An engine that stops answering is reported as unreachable while the heartbeat goes on,
    and picked up again as soon as it answers. The beat never waits on the engine for longer
    than an interval: a probe the engine is slow to answer goes on in a thread of its own, and
    once it has waited `patience` seconds the engine is said not to answer. (A dockerd starting
    over what a killed one left takes connections at once but answers none until it has stopped
    the containers still running, each with its stop timeout: had the beat waited, the host would
    have gone offline, its worker judged dead, its name claim lapsed.)
    """

    def __init__(
        self,
        engine: Engine,
        reporter: Reporter,
        claim: NameClaim,
        interval: float = 2.0,
        info_every: float = 10.0,
        patience: float = 5.0,
    ):
        self.engine = engine
        self.reporter = reporter
        self.claim = claim
        self.interval = interval
        self.info_every = info_every
        self.patience = patience
        self.state = EngineState(reachable=False, error="not probed yet")
        self._info_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._probe: _Probe | None = None

    def probe(self) -> EngineState:
        """This beat's word on the engine: what a probe answered within an interval (at least
        BEAT_WAITS_AT_LEAST), else what was known, or, once the probe has waited `patience`
        seconds, that the engine does not answer."""
        if self._probe is None or self._probe.done.is_set():
            self._probe = _Probe(self._ask_engine, self._settle)
        probe = self._probe
        # Counted from the probe's start: beats while one probe is in flight do not wait again.
        budget = min(self.patience, max(self.interval, BEAT_WAITS_AT_LEAST))
        if probe.done.wait(max(0.0, probe.started + budget - time.monotonic())):
            return self.state
        waited = time.monotonic() - probe.started
        if waited >= self.patience:
            with self._lock:
                if not probe.done.is_set():
                    error = f"Docker engine at {self.engine.base_url} did not answer within {waited:.0f} s"
                    self._apply(EngineState(reachable=False, info=self.state.info, error=error, usage=self.state.usage))
        return self.state

    def _ask_engine(self) -> EngineState:
        previous = self.state
        try:
            self.engine.ping()
            stale = time.monotonic() - self._info_at >= self.info_every
            if previous.info is None or not previous.reachable or stale:
                info = self.engine.info()
                self._info_at = time.monotonic()
                return EngineState(reachable=True, info=info, usage=host_usage(info.docker_root_dir))
            return EngineState(reachable=True, info=previous.info, usage=previous.usage)
        except EngineUnavailable as exc:
            return EngineState(reachable=False, info=previous.info, error=str(exc), usage=previous.usage)

    def _settle(self, state: EngineState, done: threading.Event) -> None:
        with self._lock:
            self._apply(state)
            done.set()

    def _apply(self, state: EngineState) -> None:
        """Make `state` current (the caller holds the lock), saying so when reachability changed."""
        previous, self.state = self.state, state
        if previous.reachable == state.reachable:
            return
        if state.reachable:
            facts, where = state.info, self.engine.base_url
            log.info("Docker engine %s (API %s) answers at %s", facts.engine_version, facts.api_version, where)
        else:
            log.warning("%s", state.error)

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
            self._until_next_beat(started)

    def _until_next_beat(self, started: float) -> None:
        """Wait for the next beat. While the engine does not answer it is probed every
        RECOVERY_PROBE_EVERY seconds meanwhile, and the beat comes as soon as it answers: the
        portal sends no work to the host before that word (a restarted dockerd was usable up to
        an interval before Berth said so)."""
        while (left := self.interval - (time.monotonic() - started)) > 0:
            if self.state.reachable:
                self._stop.wait(left)
                return
            if self._stop.wait(min(left, RECOVERY_PROBE_EVERY)) or self.probe().reachable:
                return

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="berth-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        self.reporter.send("goodbye", self.state)
        self.claim.release()


class _Probe:
    """One probe of the engine, in a thread of its own (a daemon: one the engine never answers
    must not hold up the worker's exit), handing its answer to `settle` with its `done` event."""

    def __init__(self, ask, settle):
        self.started = time.monotonic()
        self.done = threading.Event()
        self._ask, self._settle = ask, settle
        threading.Thread(target=self._run, name="berth-engine-probe", daemon=True).start()

    def _run(self) -> None:
        try:
            state = self._ask()
        except Exception:  # anything else the SDK raises: the next beat probes again
            log.exception("Probing the engine failed")
            self.done.set()
            return
        self._settle(state, self.done)
