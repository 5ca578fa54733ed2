"""Git stacks' fetch (issue 15, item 5) beside plain git in the same run.

    .venv/bin/python -m bench.git_fetch [--rounds 5] [--files 2000] [--kib 8]

A repository of `--files` files of `--kib` KiB each (random, so they do not compress) plus a
compose file in a subfolder, served over smart HTTP on loopback (tests/support/git_server.py):
Berth's fetch (portal/stacks/git_repository.py: resolve and pin, shallow fetch of the one ref
into a bare repository, size watch, the compose file and .env read) beside `git clone --depth 1
--no-checkout` of the same ref followed by `git show` of the file, alternately; and Berth's
`remote_commit` (what a poll costs) beside `git ls-remote`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("BERTH_GIT_ALLOWED_NETWORKS", "127.0.0.0/8")

import django

django.setup()

from portal.stacks.git_repository import fetch, remote_commit  # noqa: E402
from tests.support.git_server import GitServer, commit_file  # noqa: E402

COMPOSE = "services:\n  app:\n    image: berth/busybox:latest\n    command: sleep 300\n"


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def direct_clone(url: str, into: Path) -> None:
    target = into / f"clone-{time.monotonic_ns()}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-checkout", "--bare", "-b", "main", url, str(target)],
                   check=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})  # fmt: skip
    subprocess.run(["git", "-C", str(target), "show", "HEAD:deploy/compose.yaml"], check=True, capture_output=True)
    subprocess.run(["rm", "-rf", str(target)], check=True)


def report(name: str, berth: list[float], direct: list[float]) -> None:
    b, d = statistics.median(berth), statistics.median(direct)
    print(f"{name:<34} Berth median {b * 1000:8.1f} ms   direct median {d * 1000:8.1f} ms   ratio {b / d:5.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--kib", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-git-") as temp:
        root = Path(temp)
        work = root / "work"
        subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
        files = {f"data/{i:05d}.bin": os.urandom(args.kib * 512).hex() for i in range(args.files)}
        sha = commit_file(work, {**files, "deploy/compose.yaml": COMPOSE}, "bench")
        (root / "served").mkdir()
        subprocess.run(["git", "clone", "-q", "--bare", str(work), str(root / "served" / "r.git")], check=True)
        size = sum(p.stat().st_size for p in (root / "served" / "r.git").rglob("*") if p.is_file())
        server = GitServer(root / "served").start()
        url = server.url("r.git")
        print(f"repository: {args.files} files of {args.kib} KiB, {size / 1e6:.1f} MB packed; {args.rounds} rounds")
        berth, direct, polls, lsremote = [], [], [], []
        for _ in range(args.rounds):
            berth.append(timed(lambda: fetch(url, "main", "deploy/compose.yaml")))
            direct.append(timed(lambda: direct_clone(url, root)))
            polls.append(timed(lambda: remote_commit(url, "main")))
            lsremote.append(timed(lambda: subprocess.run(["git", "ls-remote", url, "refs/heads/main"], check=True,
                                                          capture_output=True)))  # fmt: skip
        assert fetch(url, "main", "deploy/compose.yaml").commit == sha
        report("fetch (shallow) + read compose", berth, direct)
        report("poll (where the ref points)", polls, lsremote)
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
