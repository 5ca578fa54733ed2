"""The portal machine's files are its owner's alone: `make run` sets umask 077 before it starts
anything, so the database, the recordings, the Redis dump and every file a process it starts
writes are 0600 and their directories 0700; and what an earlier run (or an older Berth) left
readable in the data directory is made owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["PRIVATE_UMASK", "keep_private", "make_owner_only"]

PRIVATE_UMASK = 0o077


def make_owner_only(root: Path) -> list[str]:
    """Takes group and other bits off `root` and everything under it (symlinks left alone);
    the paths it could not change, each with its reason."""
    problems = []
    for path in [root, *root.rglob("*")]:
        try:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
                os.chmod(path, stat.S_IMODE(mode) & 0o700)
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror}")
    return problems


def keep_private(*directories: Path) -> list[str]:
    """umask 077 for this process and all it starts; each directory made (0700) if missing and
    made owner-only. The paths that could not be, with their reasons."""
    os.umask(PRIVATE_UMASK)
    problems = []
    for directory in directories:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        problems += make_owner_only(directory)
    return problems
