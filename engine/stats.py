"""A running container's resource use, sampled by the engine about once a second, and the
figures `docker stats` shows computed from each sample the way the docker CLI computes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from engine.client import Engine
from engine.streaming import EngineStream

__all__ = ["StatsSample", "StatsStream", "open_stats", "stats_sample"]

ZERO_TIME = "0001-01-01"


@dataclass(frozen=True)
class StatsSample:
    """One sample. `cpu_percent` is None for the first sample of a stream (no interval yet);
    100 % is one whole CPU, so a busy container on 4 CPUs can reach 400 %."""

    read: str
    cpu_percent: float | None
    online_cpus: int
    memory_usage: int
    memory_limit: int
    memory_percent: float
    network_rx: int
    network_tx: int
    block_read: int
    block_write: int
    pids: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _cpu_percent(stats: dict) -> tuple[float | None, int]:
    cpu, pre = stats.get("cpu_stats") or {}, stats.get("precpu_stats") or {}
    online = _number(cpu.get("online_cpus")) or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or [])
    previous_system = _number(pre.get("system_cpu_usage"))
    if not previous_system:
        return None, online
    cpu_delta = _number((cpu.get("cpu_usage") or {}).get("total_usage")) - _number(
        (pre.get("cpu_usage") or {}).get("total_usage")
    )
    system_delta = _number(cpu.get("system_cpu_usage")) - previous_system
    if system_delta <= 0 or cpu_delta <= 0:
        return 0.0, online
    return cpu_delta / system_delta * online * 100.0, online


def _memory_usage(memory: dict) -> int:
    """Usage without the page cache the kernel can drop, as `docker stats` shows it."""
    usage = _number(memory.get("usage"))
    counters = memory.get("stats") or {}
    if "total_inactive_file" in counters and _number(counters["total_inactive_file"]) < usage:  # cgroup v1
        return usage - _number(counters["total_inactive_file"])
    if _number(counters.get("inactive_file")) < usage:  # cgroup v2
        return usage - _number(counters.get("inactive_file"))
    return usage


def _block_io(blkio: dict) -> tuple[int, int]:
    read = write = 0
    for entry in (blkio or {}).get("io_service_bytes_recursive") or []:
        op = str(entry.get("op") or "")[:1].lower()
        if op == "r":
            read += _number(entry.get("value"))
        elif op == "w":
            write += _number(entry.get("value"))
    return read, write


def stats_sample(stats: dict) -> StatsSample:
    """The figures of one raw engine sample (Linux containers)."""
    cpu_percent, online = _cpu_percent(stats)
    memory = stats.get("memory_stats") or {}
    usage, limit = _memory_usage(memory), _number(memory.get("limit"))
    networks = (stats.get("networks") or {}).values()
    read, write = _block_io(stats.get("blkio_stats") or {})
    return StatsSample(
        read=str(stats.get("read") or ""),
        cpu_percent=None if cpu_percent is None else round(cpu_percent, 2),
        online_cpus=online,
        memory_usage=usage,
        memory_limit=limit,
        memory_percent=round(usage / limit * 100.0, 2) if limit else 0.0,
        network_rx=sum(_number(n.get("rx_bytes")) for n in networks),
        network_tx=sum(_number(n.get("tx_bytes")) for n in networks),
        block_read=read,
        block_write=write,
        pids=_number((stats.get("pids_stats") or {}).get("current")),
    )


class StatsStream:
    """Iterates samples as the engine sends them; ends when the container stops or on close().

    Once a container stops, the engine keeps the stream open and sends empty samples read at
    the zero time ("0001-01-01T00:00:00Z") every second: the first of them ends the iteration."""

    def __init__(self, raw: EngineStream):
        self.raw = raw

    def __iter__(self) -> Iterator[StatsSample]:
        pending = b""
        for chunk in self.raw.chunks():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip():
                    sample = stats_sample(json.loads(line))
                    if sample.read.startswith(ZERO_TIME):
                        return
                    yield sample

    def close(self) -> None:
        self.raw.close()


def open_stats(engine: Engine, container_id: str) -> StatsStream:
    """Opens the container's stats stream; raises ContainerNotFound or EngineUnavailable."""
    return StatsStream(EngineStream(engine, "/containers/{0}/stats", container_id, {"stream": 1}))
