"""How fast an alert reaches people: a stack of its own (tests/support/alerts_stack.py: its own
redis-server, web, portal worker, a host worker on the local engine, aiosmtpd and an HTTP
receiver on 127.0.0.1), `--events` containers that exit 1, one every `--gap` seconds.

    .venv/bin/python -m bench.alerts [--events 50] [--gap 0.5]

Printed, from each container's `die` in `docker events` (the engine's own clock; the baseline
beside it is `docker events` itself, i.e. how late a watcher of the engine hears the death): p50
and p95 to the signed webhook received, and to the email received; then a host worker SIGKILLed
to the host-offline webhook (target ≤ 15 s; BERTH_HOST_OFFLINE_AFTER is 8 s).
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.support.alerts_stack import start_alerts_world
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import wait_until


def quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def watch_deaths(prefix: str, deaths: dict, heard: dict) -> subprocess.Popen:
    command = ["docker", "events", "--filter", "event=die", "--format", "{{.Actor.Attributes.name}} {{.TimeNano}}"]
    events = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)

    def read():
        for line in events.stdout:
            name, nanos = line.split()
            if name.startswith(prefix):
                deaths.setdefault(name, int(nanos) / 1e9)
                heard.setdefault(name, time.time())

    threading.Thread(target=read, daemon=True).start()
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="berth-bench-alerts-"))
    world = start_alerts_world(work / "berth", work / "redis")
    deaths: dict[str, float] = {}
    heard: dict[str, float] = {}
    events = watch_deaths(f"{world.prefix}-x", deaths, heard)
    try:
        names = [f"{world.prefix}-x{n}" for n in range(args.events)]
        for name in names:
            docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sh", "-c", "exit 1")
            time.sleep(args.gap)

        def all_told():
            hooks = {a["subject"] for r in list(world.hook.requests) for a in json.loads(r.body).get("alerts", [])}
            mails = " ".join(m[1].get_content() for m in list(world.smtp.messages))
            return set(names) <= hooks and all(f"Container {n} on " in mails for n in names)

        wait_until(all_told, 60, 0.2, "every alert told")
        hook_at = {}
        for request in world.hook.requests:
            for alert in json.loads(request.body).get("alerts", []):
                hook_at.setdefault(alert["subject"], request.at)
        mail_at = {
            n: next(m[2] for m in world.smtp.messages if f"Container {n} on " in m[1].get_content()) for n in names
        }
        baseline = [heard[n] - deaths[n] for n in names]
        to_hook = [hook_at[n] - deaths[n] for n in names]
        to_mail = [mail_at[n] - deaths[n] for n in names]
        print(f"{args.events} containers exiting 1, one every {args.gap} s (seconds from each `die`):")
        for label, values in (("docker events (baseline)", baseline), ("signed webhook", to_hook), ("email", to_mail)):
            print(
                f"  {label:<26} p50 {quantile(values, 50):6.3f}   p95 {quantile(values, 95):6.3f}"
                f"   max {max(values):6.3f}"
            )
        alerts = [a for a in world.alerts() if a["subject"].startswith(f"{world.prefix}-x")]
        print(f"  alerts: {len(alerts)} (one per container); webhook requests: {len(world.hook.requests)}")

        worker = next(p for p in world.stack.processes if p.name == f"host-{world.prefix}" and p.alive())
        killed = time.time()
        worker.stop(signal.SIGKILL)
        wait_until(lambda: any(b"is offline" in r.body for r in world.hook.requests), 30, 0.1, "host offline told")
        told = next(r.at for r in world.hook.requests if b"is offline" in r.body)
        print(f"  host worker SIGKILL -> host-offline webhook: {told - killed:.2f} s (target <= 15 s)")
    finally:
        events.terminate()
        world.stop()
        remove_test_objects()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
