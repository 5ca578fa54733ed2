"""Scale-out: two portal workers, each a process of its own with its own database connection,
apply one stream of host reports at the same time, each taking every other report, in shuffled
orders: every host ends in the state the reports describe, as when one worker applies them in
order (portal/inventory/versions.py makes the order not matter; this shows concurrency does not
either). On PostgreSQL when DATABASE_URL names it (`make test` runs this folder there too), else on
SQLite (WAL, as `make run` uses) in a temporary directory.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid

import psycopg
import pytest

from tests.portal.inventory.factories import InventoryWorker, container_record, image_record, snapshot_of
from tests.support.processes import REPO

ROUNDS = 8  # hosts, each with the same history in its own shuffled order


def history(worker: InventoryWorker) -> list[dict]:
    """What a worker sends at its start and just after: hello, a snapshot in two chunks and its
    marker, deltas on containers and images, heartbeats."""
    web, db, cache = (container_record(name=name) for name in ("web", "db", "cache"))
    app1, app2 = image_record(tags=["team/app:1"]), image_record(tags=["team/app:2"])
    hello = worker.report("hello")
    observed = worker.observe()
    ids = [c["engine_id"] for c in (web, db, cache)]
    return [
        hello,
        worker.inventory([web, db], observed_seq=observed),
        worker.inventory([cache], images=[app1, app2], observed_seq=observed),
        worker.inventory(snapshot=snapshot_of(ids, [app1["engine_id"], app2["engine_id"]]), observed_seq=observed),
        worker.report("heartbeat"),
        worker.inventory([{**db, "state": "exited", "exit_code": 3}], removed_containers=[cache["engine_id"]]),
        worker.inventory([container_record(name="job", state="created")], removed_containers=[web["engine_id"]]),
        worker.inventory(images=[{**app2, "tags": ["team/app:2", "team/app:latest"]}]),
        worker.report("heartbeat"),
        worker.inventory(removed_images=[app1["engine_id"]]),
        worker.report("heartbeat"),
    ]


@pytest.fixture
def database_env(tmp_path):
    """The environment of the workers: PostgreSQL (a fresh database on DATABASE_URL's server),
    or SQLite in a data directory of their own."""
    env = {**os.environ, "BERTH_DATA_DIR": str(tmp_path), "BERTH_HOST_OFFLINE_AFTER": "3600"}
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        env.pop("DATABASE_URL", None)
        yield env
        return
    name = f"berth_workers_{uuid.uuid4().hex[:8]}"
    admin = f"{server.rsplit('/', 1)[0]}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield {**env, "DATABASE_URL": f"{server.rsplit('/', 1)[0]}/{name}"}
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def worker_process(env, *args: str, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.portal.inventory.portal_worker_process", *args]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, **popen)


def finished(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out.strip().splitlines()[-1] if out.strip() else ""


def test_two_portal_workers_applying_reports_at_once_in_any_order_end_in_the_same_state(database_env, tmp_path):
    # Given the same history from the worker of a reference host, sent in order, and of ROUNDS
    # other hosts, each shuffled (one seed: the same orders every run)
    shuffler = random.Random(18)
    reference = history(InventoryWorker("Reference"))
    shuffled = []
    for round_ in range(ROUNDS):
        reports = history(InventoryWorker(f"Round {round_}"))
        hello, rest = reports[0], reports[1:]
        shuffler.shuffle(rest)
        shuffled.append([hello, *rest])  # a host's hello is what makes it a host
    in_order, concurrent = tmp_path / "in-order.json", tmp_path / "concurrent.json"
    in_order.write_text(json.dumps(reference))
    # Interleaved across hosts, so both workers work on every host at once.
    concurrent.write_text(json.dumps([report for step in zip(*shuffled, strict=True) for report in step]))
    finished(worker_process(database_env, "migrate", str(in_order)))

    # When two portal workers apply the shuffled reports at the same time, each every other one
    start_at = time.time() + 2.5  # both have started Django by then
    workers = [worker_process(database_env, "apply", str(concurrent), str(part), "2", str(start_at)) for part in (0, 1)]
    outcomes = [json.loads(finished(worker)) for worker in workers]

    # Then every report was applied by one of them, and every host ends as the reference did
    assert sum(sum(counts.values()) for counts in outcomes) == ROUNDS * len(reference)
    state = json.loads(finished(worker_process(database_env, "state")))
    expected = state.pop("reference")
    assert expected == {
        "containers": {"db": ["exited", 3], "job": ["created", None]},
        "images": [["team/app:2", "team/app:latest"]],
    }
    assert state == {f"round-{round_}": expected for round_ in range(ROUNDS)}
