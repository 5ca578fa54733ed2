"""How long the portal takes to apply inventory reports to the database, by report shape.

    .venv/bin/python -m bench.inventory_apply [--containers 1000] [--images 1000] [--runs 5]

Measures on a fresh SQLite database (WAL, as `make run` uses) in a temporary data directory and,
when BERTH_TEST_POSTGRES_URL names a PostgreSQL server (`make test` starts one), on a fresh
database there too, each in a process of its own; prints both side by side. Each measure applies
real reports through apply_host_report (the portal worker's task body, less Celery): the median
and worst of N runs, with queries per report.
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
import uuid


def setup_django(data_dir: str, database_url: str = "") -> None:
    os.environ["BERTH_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("BERTH_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    # Events go nowhere: this measures the database, not Redis.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    call_command("migrate", verbosity=0)


def measure_one(args) -> dict[str, list[tuple[float, int]]]:
    """Every measure on the database args.database_url names ("" for SQLite), in this process."""
    with tempfile.TemporaryDirectory(prefix="berth-bench-") as data_dir:
        setup_django(data_dir, args.database_url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from portal.containers.models import Container
        from portal.ingest.reports import apply_host_report
        from tests.portal.inventory.factories import InventoryWorker, container_record, image_record, snapshot_of

        def timed(report) -> tuple[float, int]:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                outcome = apply_host_report(report)
                elapsed = time.perf_counter() - started
            assert outcome.value == "applied", outcome
            return elapsed, len(queries)

        results: dict[str, list[tuple[float, int]]] = {}

        def measure(label: str, report) -> None:
            results.setdefault(label, []).append(timed(report))

        n, m = args.containers, args.images
        for run in range(args.runs):
            worker = InventoryWorker(f"bench-{run}")
            apply_host_report(worker.report("hello"))
            containers = [container_record(name=f"c-{i}", labels={"app": "bench", "i": str(i)}) for i in range(n)]
            ids = [c["engine_id"] for c in containers]
            images = [image_record(tags=[f"registry.local:5000/team/app-{i}:1.{i}"]) for i in range(m)]
            image_ids = [i["engine_id"] for i in images]
            everything = snapshot_of(ids, image_ids)

            measure(f"snapshot, {n} new containers (inspected)", worker.inventory(containers, snapshot=everything))
            measure(f"snapshot, {n} containers unchanged", worker.inventory(containers, snapshot=everything))
            stopped = [{**c, "state": "exited", "exit_code": 137} for c in containers]
            measure(f"snapshot, {n} containers all changed", worker.inventory(stopped, snapshot=everything))
            measure(
                f"snapshot, {m} new images (with layers, tags)", worker.inventory(images=images, snapshot=everything)
            )
            retagged = [
                {**i, "tags": [*i["tags"], "extra:latest" if k == 0 else f"extra:{k}"]} for k, i in enumerate(images)
            ]
            measure(f"snapshot, {m} images retagged", worker.inventory(images=retagged, snapshot=everything))
            measure("delta, 1 container changed", worker.inventory([{**containers[0], "state": "paused"}]))
            measure(
                f"snapshot ids only, all {n} containers and {m} images gone",
                worker.inventory(snapshot=snapshot_of()),
            )
            assert Container.objects.live().filter(host__slug=f"bench-{run}").count() == 0

        return results


def postgres_database(server: str) -> tuple[str, str]:
    """A fresh database on the server (its URL, and its name to drop after)."""
    import psycopg

    name = f"berth_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rsplit('/', 1)[0]}/{name}", name


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(args, database_url: str) -> dict:
    command = [sys.executable, "-m", "bench.inventory_apply", "--child", "--database-url", database_url]
    command += ["--containers", str(args.containers), "--images", str(args.images), "--runs", str(args.runs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(values: list) -> str:
    times = [t for t, _ in values]
    return f"{statistics.median(times) * 1000:8.1f} / {max(times) * 1000:8.1f} ms {values[-1][1]:4d} q"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(args)))
        return 0

    columns = {"SQLite": run_child(args, "")}
    server = os.environ.get("BERTH_TEST_POSTGRES_URL", "")
    if server:
        url, name = postgres_database(server)
        try:
            columns["PostgreSQL"] = run_child(args, url)
        finally:
            drop_database(server, name)
    else:
        print("(BERTH_TEST_POSTGRES_URL is not set: PostgreSQL is left out)")
    print(f"Applying inventory reports ({args.runs} runs; median / worst; queries per report)")
    print(f"  {'':<58} " + "  ".join(f"{name:>25}" for name in columns))
    for label in columns["SQLite"]:
        print(f"  {label:<58} " + "  ".join(f"{summary(results[label]):>25}" for results in columns.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
