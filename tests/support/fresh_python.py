"""Python code run in an interpreter of its own, with a bare environment (no Django settings), to
see what importing a package alone loads."""

import subprocess
import sys
from pathlib import Path

__all__ = ["run_fresh"]

REPO = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=60
    )
