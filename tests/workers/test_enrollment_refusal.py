"""A host worker started the old way (the shared URL, no enrollment) is refused, and told how to enroll."""

import os
import subprocess
import sys

from tests.support.processes import REPO


def test_given_no_enrollment_when_a_worker_starts_then_it_is_refused_with_how_to_enroll():
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached

    result = subprocess.run(
        [sys.executable, "-m", "workers", "--name", "web-1"], cwd=REPO, env=env, capture_output=True, text=True
    )

    assert result.returncode == 2
    assert "not enrolled" in result.stderr
    assert "POST /api/v1/hosts/" in result.stderr and "python -m workers --name web-1" in result.stderr


def test_given_a_damaged_key_when_a_worker_starts_then_it_is_refused():
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    env |= {"BERTH_HOST_KEY": "berth-host-key-1:short", "BERTH_PORTAL_PUBLIC_KEY": "x" * 43}

    result = subprocess.run(
        [sys.executable, "-m", "workers", "--name", "web-1"], cwd=REPO, env=env, capture_output=True, text=True
    )

    assert result.returncode == 2 and "Refused: BERTH_HOST_KEY is not a Berth key" in result.stderr
