"""How full the host is: the memory its machine has available and the disk under the engine's
root folder, measured on the worker's machine (the engine's `info` gives neither)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["host_usage", "memory_available"]

MEMINFO = Path("/proc/meminfo")


def memory_available(meminfo: Path = MEMINFO) -> int | None:
    """MemAvailable in bytes, or None where the machine has no /proc/meminfo that says it."""
    try:
        text = meminfo.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == "MemAvailable":
            parts = value.split()
            if parts and parts[0].isdigit():
                return int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return None


def host_usage(docker_root_dir: str, meminfo: Path = MEMINFO) -> dict[str, int]:
    """{memory_available, disk_total, disk_used} in bytes; a figure this machine cannot measure is
    left out (the engine's root folder is on another machine when the worker talks to it by TCP)."""
    usage: dict[str, int] = {}
    if (available := memory_available(meminfo)) is not None:
        usage["memory_available"] = available
    if docker_root_dir and os.path.isabs(docker_root_dir) and os.path.isdir(docker_root_dir):
        try:
            disk = shutil.disk_usage(docker_root_dir)
        except OSError:
            return usage
        usage["disk_total"], usage["disk_used"] = disk.total, disk.used
    return usage
