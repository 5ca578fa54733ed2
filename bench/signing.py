"""What signing costs: Ed25519 signatures over canonical JSON (wire.signing) and sealing
(wire.sealing), per message, an operation's progress (wire.progress: the key derived and sealed
once per operation, each batch and snapshot MACed on the host and checked by the portal) beside
the same batch unsigned, and host reports applied per second through the portal worker's task
body (host_report, less Celery) without and with the signature check, in one run.

    .venv/bin/python -m bench.signing [--reports 2000] [--containers 1000]

SQLite in a temporary data directory, events to an in-memory layer: this measures the portal's
CPU and database, not Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time


def per_call(fn, n: int) -> float:
    """Median microseconds per call over 5 rounds of n calls."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--containers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="berth-bench-") as data_dir:
        os.environ["BERTH_DATA_DIR"] = data_dir
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        os.environ.setdefault("BERTH_LOG_LEVEL", "WARNING")
        import django
        from django.core.management import call_command

        django.setup()
        from django.conf import settings

        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        call_command("migrate", verbosity=0)

        from django.db import close_old_connections

        from portal.ingest.reports import apply_host_report
        from portal.ingest.tasks import host_report
        from tests.portal.hosts.factories import enrolled_worker
        from tests.portal.inventory.factories import container_record
        from wire.keys import HostKeys, PortalKey, VerifyKey
        from wire.progress import OperationProgress, ProgressSnapshot, progress_key, signed_snapshot, verified_snapshot
        from wire.sealing import seal, unseal
        from wire.signing import canonical, sign_report, sign_task, task_signed_by_portal
        from wire.stream_signing import new_stream_key, open_stream_key

        keys, portal = HostKeys.generate(), PortalKey.generate()
        verify = portal.public()
        worker = enrolled_worker("bench-1")
        heartbeat = worker.report("heartbeat")
        inventory = {
            **worker.reporter.build("inventory"),
            "inventory": {"containers": [container_record(name=f"c-{i}") for i in range(args.containers)]},
        }
        task = {"operation": {"id": 1, "kind": "image.pull", "params": {"reference": "a/b:1"}}, "auth_config": None}
        signed_task = sign_task(portal, "berth.host.operation", "web-1", task)
        chunk = {"type": "stream.data", "data": b"x" * 64, "seq": 1}
        big_chunk = {"type": "stream.data", "data": b"x" * 65536, "seq": 1}
        stream = new_stream_key()
        host_verify = VerifyKey.from_text(keys.public().verify)

        def seal_stream():
            return new_stream_key().sealed_to(keys.public().seal)

        # A pull's batch (six layers changed, a status line) and a build's snapshot (2000 log lines).
        layers = [
            {"id": f"{i:012x}", "status": "Downloading", "phase": "downloading", "current": i, "total": 9}
            for i in range(6)
        ]
        batch = OperationProgress(7, 12, layers=layers, status="Pulling from a/b", log=["x" * 60] * 5)
        snapshot = ProgressSnapshot(seq=12, layers=layers, status="s", log=["Step 3/9 : RUN make " + "x" * 60] * 2000)
        op_key = progress_key(b"secret-key" * 5, 7, 1)

        def progress_unsigned():
            return OperationProgress.from_wire(batch.to_wire())

        def progress_signed():
            return OperationProgress.from_wire(op_key.verify(op_key.sign(batch.to_wire())))

        def snapshot_unsigned():
            return ProgressSnapshot.from_wire(json.loads(json.dumps(snapshot.to_wire())))

        def snapshot_signed():
            return verified_snapshot(op_key, signed_snapshot(op_key, snapshot))

        def progress_key_sealed():
            return open_stream_key(keys, {"key": progress_key(b"secret-key" * 5, 7, 1).sealed_to(keys.public().seal)})

        auth = {"username": "u", "password": "p" * 20, "serveraddress": "r:5000"}
        sealed = seal(keys.public().seal, auth)
        name, host = "berth.host.operation", "web-1"
        measures = [
            ("sign a heartbeat report", lambda: sign_report(keys, heartbeat), 2000),
            (f"sign an inventory of {args.containers} containers", lambda: sign_report(keys, inventory), 20),
            (
                "sign + check an operation task",
                lambda: task_signed_by_portal(verify, name, host, sign_task(portal, name, host, task)),
                2000,
            ),
            ("check a signed task", lambda: task_signed_by_portal(verify, name, host, signed_task), 2000),
            ("Ed25519: sign a 64-byte stream chunk", lambda: keys.sign(canonical({**chunk, "data": "x" * 64})), 2000),
            (
                "Ed25519: sign + check a 64-byte chunk",
                lambda: host_verify.verify(keys.sign(canonical({**chunk, "data": "x" * 64})), canonical(chunk)),
                2000,
            ),
            ("stream key: sign + check a 64-byte chunk", lambda: stream.verify(stream.sign(chunk)), 20000),
            ("stream key: sign + check a 64 KB chunk", lambda: stream.verify(stream.sign(big_chunk)), 2000),
            ("stream key: seal (web) + open (host)", lambda: open_stream_key(keys, {"key": seal_stream()}), 500),
            ("seal + open registry credentials", lambda: unseal(keys, seal(keys.public().seal, auth)), 1000),
            ("progress: derive + seal + open its key", progress_key_sealed, 500),
            ("progress batch (6 layers), unsigned", progress_unsigned, 20000),
            ("progress batch (6 layers), MAC + check", progress_signed, 20000),
            ("snapshot (2000 lines) JSON, unsigned", snapshot_unsigned, 200),
            ("snapshot (2000 lines) JSON, MAC + check", snapshot_signed, 200),
        ]
        print("per message (median µs):")
        for label, fn, n in measures:
            print(f"  {label:40} {per_call(fn, n):10.1f}")
        assert unseal(keys, sealed) == auth

        apply_host_report(worker.report("hello"))
        unsigned = [worker.report("heartbeat") for _ in range(args.reports)]
        started = time.perf_counter()
        for report in unsigned:  # the task body as it was before signatures
            close_old_connections()
            apply_host_report(report)
        before = args.reports / (time.perf_counter() - started)
        signed = [worker.signed("heartbeat") for _ in range(args.reports)]
        started = time.perf_counter()
        for kwargs in signed:
            assert host_report(**kwargs) == "applied"
        after = args.reports / (time.perf_counter() - started)
        print(
            f"heartbeats applied per second: unsigned (the task body before) {before:.0f}, "
            f"signed and checked (host_report) {after:.0f} ({(before - after) / before * 100:+.1f}% cost)"
        )


if __name__ == "__main__":
    main()
