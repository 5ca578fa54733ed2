"""Browsing a big registry through Berth, beside `curl` on the same registry endpoints in the same run.

    .venv/bin/python -m bench.registries [--repositories 500] [--tags 200] [--rounds 5]

Starts its own `docker-registry` (a free loopback port, temporary storage, no auth so that
neither side pays a password check) and fills it over the HTTP API: one layer blob uploaded once
and mounted into every repository, then a manifest PUT per repository (500) and per tag (200 tags
in one repository, each its own image config). Then starts Berth (web + portal worker, fresh
database, Redis db 13) and measures:

- first page of repositories: GET /api/v1/registries/{id}/repositories/ (a page of 50; Berth
  reads the whole catalog, n=1000 per request, to count and search it). Baseline: curl of
  /v2/_catalog?n=50 (the registry's own first page) and of the full catalog.
- full tag list: GET …/repositories/bench/many/tags/?page_size=1000 — 200 tags with digest,
  size, created and architecture (tags/list, 200 manifests, 200 config blobs). Cold is the first
  request of a fresh Berth process (no cached token or config); warm repeats it (configs are
  content-addressed and cached, manifests are read again). Baseline: curl of tags/list, then the
  200 manifests, then the 200 config blobs — one curl process per step reusing its connection,
  sequential and with --parallel (8, Berth's own concurrency). Also: the first page of tags (50,
  what the tags page shows), warm.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from portal.registries.client.manifests import ACCEPT
from portal.registries.client.session import RegistrySession
from tests.support.processes import Stack
from tests.support.registry_images import ImagePusher
from tests.support.registry_process import RegistryProcess

REDIS_URL = os.environ.get("BERTH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MANY = "bench/many"


def fill(url: str, repositories: int, tags: int) -> float:
    started = time.perf_counter()
    pusher = ImagePusher(RegistrySession(url))
    pusher.image("bench/base", "1")

    def tag(n: int):
        created = f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z"
        return pusher.image(MANY, f"1.{n}", created=created, mount_from="bench/base")

    tag(0)  # the shared layer lands in the repository once, before the concurrent pushes
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda n: pusher.image(f"bench/repo-{n:04d}", "latest", mount_from="bench/base"), range(repositories)
            )
        )
        list(pool.map(tag, range(1, tags)))
    return time.perf_counter() - started


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def curl(urls: list[str], parallel: bool = False, accept: str = "") -> float:
    """One curl process fetching every URL (connection reused); seconds it took."""
    command = ["curl", "-sf", "--no-progress-meter", "--max-time", "120"]
    if parallel:
        command += ["--parallel", "--parallel-max", "8"]
    if accept:
        command += ["-H", f"Accept: {accept}"]
    for url in urls:
        command += [url, "-o", "/dev/null"]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def curl_tag_list(url: str, parallel: bool) -> float:
    started = time.perf_counter()
    tags = json.loads(
        subprocess.run(["curl", "-sf", f"{url}/v2/{MANY}/tags/list"], check=True, capture_output=True).stdout
    )["tags"]
    manifests = [f"{url}/v2/{MANY}/manifests/{tag}" for tag in tags]
    # The config digests come from the manifests: read them once outside the clock, as curl would
    # have them on disk after the step above (timed on its own).
    spent = time.perf_counter() - started
    spent += curl(manifests, parallel, ACCEPT)
    session = requests.Session()
    configs = [
        f"{url}/v2/{MANY}/blobs/" + session.get(m, headers={"Accept": ACCEPT}, timeout=10).json()["config"]["digest"]
        for m in manifests
    ]
    spent += curl(configs, parallel)
    return spent


def report(label: str, values: list[float], baseline: str = "") -> None:
    ms = [v * 1000 for v in values]
    print(f"  {label:<64} median {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms   {baseline}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repositories", type=int, default=500)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="berth-bench-registries-"))
    registry = RegistryProcess(work / "registry").start()
    stack = None
    try:
        seconds = fill(registry.url, args.repositories, args.tags)
        print(
            f"registry {registry.url}: {args.repositories} repositories and {args.tags} tags pushed in {seconds:.1f} s"
        )
        stack = Stack(data_dir=work / "berth", redis_url=REDIS_URL).start()
        created = stack.post("/api/v1/registries/", {"name": "bench", "url": registry.url, "check_connection": True})
        assert created.status_code == 201, created.text
        base = f"/api/v1/registries/{created.json()['id']}"

        def berth(path: str) -> dict:
            response = requests.get(stack.base_url + base + path, headers=stack.headers(), timeout=120)
            assert response.status_code == 200, response.text[:300]
            return response.json()

        cold_tags, body = timed(lambda: berth(f"/repositories/{MANY}/tags/?page_size=1000"))
        assert body["count"] == args.tags and all(row["digest"] and row["created"] for row in body["results"])
        first_page = [timed(lambda: berth("/repositories/"))[0] for _ in range(args.rounds)]
        assert berth("/repositories/")["count"] == args.repositories + 2
        warm_tags = [timed(lambda: berth(f"/repositories/{MANY}/tags/?page_size=1000"))[0] for _ in range(args.rounds)]
        tag_page = [timed(lambda: berth(f"/repositories/{MANY}/tags/"))[0] for _ in range(args.rounds)]

        url = registry.url
        curl_first = [curl([f"{url}/v2/_catalog?n=50"]) for _ in range(args.rounds)]
        curl_catalog = [curl([f"{url}/v2/_catalog?n=1000"]) for _ in range(args.rounds)]
        curl_tags = [curl_tag_list(url, parallel=False) for _ in range(args.rounds)]
        curl_tags_parallel = [curl_tag_list(url, parallel=True) for _ in range(args.rounds)]

        print(f"\nBrowse {args.repositories} repositories, {args.tags} tags in {MANY} ({args.rounds} rounds)")
        report("Berth: first page of repositories (API, page of 50)", first_page)
        report("curl: /v2/_catalog?n=50", curl_first, "(baseline)")
        report("curl: /v2/_catalog?n=1000 (the whole catalog)", curl_catalog, "(baseline)")
        report("Berth: full tag list with details, cold (first request)", [cold_tags])
        report("Berth: full tag list with details, warm", warm_tags)
        report("Berth: first page of tags with details (50, as the page shows)", tag_page)
        report("curl: tags/list + 200 manifests + 200 configs, sequential", curl_tags, "(baseline)")
        report("curl: the same, --parallel 8", curl_tags_parallel, "(baseline)")
    finally:
        if stack is not None:
            stack.stop()
        registry.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
