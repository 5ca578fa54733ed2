"""The periodic judge of partly-down stacks (portal/alerts/partly_down.py), which runs every liveness
check (1 s): `--stacks` two-service compose projects on one host, one in ten with a container
stopped, in a fresh SQLite database of its own (no engine: the mirrored containers are written as
a host worker's reports would leave them).

    .venv/bin/python -m bench.partly_down [--stacks 500] [--rounds 20]

Printed: per round, the baseline (only reading the stacks' containers, compose_containers, the
stacks app's one door) beside a first judging (tracks written, alerts fired) and a steady one
(nothing changed since), in milliseconds.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ["BERTH_DATA_DIR"] = tempfile.mkdtemp(prefix="berth-partly-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["BERTH_ALERT_STACK_GRACE"] = "0"
    import django

    django.setup()
    logging.getLogger("portal.alerts").setLevel(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    call_command("migrate", verbosity=0)

    from portal.alerts import tasks
    from portal.alerts.models import Alert, AlertRule
    from portal.alerts.partly_down import judge_partly_down
    from portal.containers.models import Container
    from portal.hosts.models import Host
    from portal.stacks.services import compose_containers
    from portal.teams.models import RoleBinding, Team

    tasks.kick_delivery = lambda: None
    team = Team.objects.create(name="ops")
    RoleBinding.objects.create(team=team, role="admin", all_hosts=True)
    AlertRule.objects.create(team=team, name="stacks", events=["stack.partly_down"])
    host = Host.objects.create(slug="bench", name="bench", status="online")
    Container.objects.bulk_create(
        Container(
            host=host,
            engine_id=f"{n:06}-{s}",
            name=f"p{n}-s{s}-1",
            state="exited" if s and n % 10 == 0 else "running",
            version=1,
            labels={"com.docker.compose.project": f"p{n}", "com.docker.compose.service": f"s{s}"},
        )
        for n in range(args.stacks)
        for s in range(2)
    )

    def per_round(job) -> float:
        started = time.perf_counter()
        for _ in range(args.rounds):
            job()
        return (time.perf_counter() - started) / args.rounds * 1000

    baseline = per_round(lambda: compose_containers(Host.objects.values_list("pk", flat=True)))
    started = time.perf_counter()
    judge_partly_down()
    first = (time.perf_counter() - started) * 1000
    steady = per_round(judge_partly_down)
    print(f"{args.stacks} stacks of 2 services, {Alert.objects.count()} partly down, one rule:")
    print(f"  baseline: reading the stacks' containers   {baseline:8.1f} ms")
    print(f"  first judging (tracks, alerts fired)       {first:8.1f} ms")
    print(f"  steady judging (each second after)         {steady:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
