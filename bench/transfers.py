"""Image transfers through Berth beside Docker directly, in the same run: what a 20 MB gzip bomb
and a 1 GB import cost the web process (peak RSS beside idle), what Redis holds during a 1 GB
import and export (used_memory beside idle), and import/export throughput beside `docker load`
and `docker save`.

    .venv/bin/python -m bench.transfers [--size-mb 1024] [--bomb-mb 20480]

Needs Redis and a Docker engine (as `make test` leaves them). The image is made offline
(`docker import` of a tar holding one random file, labelled for clean-up). Peaks are VmHWM of the
web process, reset before each step (/proc/<pid>/clear_refs); Redis is sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import redis
import requests

from tests.support.docker_cli import docker, remove_test_objects
from tests.support.image_archives import gzip_bomb, image_of_size, peak_rss_kb, reset_peak_rss, saved_archive
from tests.support.processes import Stack, wait_until

MB = 1024 * 1024


class RedisPeak:
    """used_memory sampled in a thread while the block runs; `.peak` in bytes."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url)
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.peak = self.used()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def used(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.used())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def finished(stack: Stack, pk: int, timeout: float = 900) -> dict:
    def check():
        data = stack.get(f"/api/v1/operations/{pk}/").json()
        return data if data["state"] in ("succeeded", "failed") else None

    return wait_until(check, timeout, interval=0.1, what=f"operation {pk}")


def timed(step):
    started = time.monotonic()
    value = step()
    return value, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--bomb-mb", type=int, default=20 * 1024, help="what the bomb unpacks to")
    parser.add_argument("--redis-url", default=os.environ.get("BERTH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"))
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    stack = Stack(data_dir=data_dir, redis_url=args.redis_url).start()
    name = f"bench-transfers-{uuid.uuid4().hex[:6]}"
    worker = stack.host_worker(name)
    web = next(p for p in stack.processes if p.name == "web").popen.pid
    url = stack.base_url
    figures: list[str] = []
    try:
        host = stack.wait_for_host(name, "online", timeout=30)["id"]
        redis_idle = RedisPeak(args.redis_url).used()
        rss_idle, _ = peak_rss_kb(web)

        bomb = gzip_bomb(data_dir / "bomb.tgz", args.bomb_mb * MB)
        reset_peak_rss(web)
        with bomb.open("rb") as handle:
            answer, took = timed(
                lambda: requests.post(
                    f"{url}/api/v1/images/build/",
                    headers=stack.headers(),
                    data={"host": host},
                    files={"context": handle},
                    timeout=600,
                )
            )
        _, bomb_peak = peak_rss_kb(web)
        figures.append(
            f"gzip bomb: {bomb.stat().st_size / MB:.1f} MB unpacking to {args.bomb_mb / 1024:g} GB -> "
            f"{answer.status_code} {answer.json().get('code')} in {took:.2f} s; "
            f"web peak RSS {bomb_peak / 1024:.0f} MB (idle {rss_idle / 1024:.0f} MB)"
        )

        reference = image_of_size(f"berth-test/bench-{uuid.uuid4().hex[:6]}:1", args.size_mb * MB)
        archive = data_dir / "image.tar"
        _, save_s = timed(lambda: saved_archive(reference, archive))
        size = archive.stat().st_size
        docker("rmi", "-f", reference)
        _, load_s = timed(lambda: docker("load", "-i", str(archive)))
        docker("rmi", "-f", reference)

        reset_peak_rss(web)
        with RedisPeak(args.redis_url) as redis_import, archive.open("rb") as handle:

            def berth_import():
                answer = requests.post(
                    f"{url}/api/v1/images/import/",
                    headers=stack.headers(),
                    data={"host": host},
                    files={"archive": handle},
                    timeout=900,
                )
                assert answer.status_code == 202, answer.text
                operation = finished(stack, answer.json()["id"])
                assert operation["state"] == "succeeded", operation["error"]

            _, import_s = timed(berth_import)
        _, import_peak = peak_rss_kb(web)

        def image_id():
            rows = stack.get("/api/v1/images/", params={"host": host, "q": reference}).json()["results"]
            return next((r["id"] for r in rows if reference in r["tags"]), None)

        pk = wait_until(image_id, 60, what="the imported image")
        reset_peak_rss(web)
        with RedisPeak(args.redis_url) as redis_export:

            def berth_export():
                started = requests.post(f"{url}/api/v1/images/{pk}/export/", headers=stack.headers(), timeout=30)
                operation = finished(stack, started.json()["id"])
                assert operation["state"] == "succeeded", operation["error"]
                with requests.get(
                    f"{url}/api/v1/operations/{operation['id']}/download/",
                    headers=stack.headers(),
                    stream=True,
                    timeout=900,
                ) as download:
                    return sum(len(chunk) for chunk in download.iter_content(MB))

            exported, export_s = timed(berth_export)
        _, export_peak = peak_rss_kb(web)
        assert exported >= size * 0.99, f"exported {exported} of {size} bytes"

        figures += [
            f"import of {size / MB:.0f} MB: Berth {size / MB / import_s:.0f} MB/s ({import_s:.1f} s, upload and "
            f"docker load) vs docker load {size / MB / load_s:.0f} MB/s ({load_s:.1f} s)",
            f"export of {size / MB:.0f} MB: Berth {size / MB / export_s:.0f} MB/s ({export_s:.1f} s, operation "
            f"and download) vs docker save {size / MB / save_s:.0f} MB/s ({save_s:.1f} s)",
            f"web peak RSS: import {import_peak / 1024:.0f} MB, export {export_peak / 1024:.0f} MB "
            f"(idle {rss_idle / 1024:.0f} MB)",
            f"Redis used_memory peak: import {redis_import.peak / MB:.1f} MB, export {redis_export.peak / MB:.1f} MB "
            f"(idle {redis_idle / MB:.1f} MB)",
        ]
    except (AssertionError, requests.RequestException) as exc:
        print(f"Benchmark failed: {exc}\n(see the logs in {data_dir / 'logs'})", file=sys.stderr)
        return 1
    finally:
        worker.stop()
        stack.stop()
        remove_test_objects()
    shutil.rmtree(data_dir, ignore_errors=True)
    print("Image transfers (one run, same engine and Redis):")
    for line in figures:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
