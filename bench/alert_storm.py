"""An alert storm: `--containers` containers exiting at once across `--hosts` hosts, judged and told
by the portal's own code (no engine: the inventory is written as a host worker's reports would
leave it, then each host's report is published as the one `inventory.changed` it becomes), into a
fresh SQLite database of its own. Told to a webhook receiver on 127.0.0.1.

    .venv/bin/python -m bench.alert_storm [--hosts 10] [--containers 1000]

Printed: alerts made, messages the receiver got, deliveries sent, and the seconds to judge and to
drain; beside it, the baseline of the same run: the seconds to only write the containers' new state.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--containers", type=int, default=1000)
    args = parser.parse_args()
    os.environ["BERTH_DATA_DIR"] = tempfile.mkdtemp(prefix="berth-storm-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    logging.getLogger("portal.alerts").setLevel(logging.WARNING)  # a line per alert is not the figure
    from django.conf import settings
    from django.core.management import call_command

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    call_command("migrate", verbosity=0)

    from portal.alerts import tasks
    from portal.alerts.delivery import deliver_due
    from portal.alerts.models import Alert, AlertChannel, AlertRule, Delivery
    from portal.containers.models import Container
    from portal.events.publish import publish
    from portal.hosts.models import Host
    from portal.teams.models import RoleBinding, Team
    from tests.support.receivers import HttpReceiver

    tasks.kick_delivery = lambda: None  # drained below, in this process
    receiver = HttpReceiver()
    team = Team.objects.create(name="ops")
    RoleBinding.objects.create(team=team, role="admin", all_hosts=True)
    channel = AlertChannel(team=team, name="hook", kind="webhook", target=receiver.url())
    channel.set_secret("storm-key")
    channel.save()
    rule = AlertRule.objects.create(team=team, name="exits", events=["container.exited"])
    rule.channels.set([channel])
    hosts = [Host.objects.create(slug=f"storm-{n}", name=f"storm-{n}", status="online") for n in range(args.hosts)]
    per_host = args.containers // args.hosts
    for host in hosts:
        Container.objects.bulk_create(
            Container(host=host, engine_id=f"{host.slug}-{n:04}", name=f"app-{n}", state="running", version=1)
            for n in range(per_host)
        )

    started = time.perf_counter()
    Container.objects.update(state="exited", exit_code=1)
    written = time.perf_counter() - started
    started = time.perf_counter()
    for host in hosts:
        publish(host.pk, {"type": "inventory.changed", "host": host.pk})
    judged = time.perf_counter() - started
    started = time.perf_counter()
    sent = deliver_due()
    drained = time.perf_counter() - started
    receiver.close()
    print(f"{args.containers} containers exiting at once across {args.hosts} hosts (one rule, one webhook):")
    print(f"  baseline: writing their new state              {written:7.3f} s")
    print(f"  judged into alerts                             {judged:7.3f} s   alerts {Alert.objects.count()}")
    print(
        f"  drained to the webhook                         {drained:7.3f} s   deliveries sent {sent} of "
        f"{Delivery.objects.count()}, messages received {len(receiver.requests)}"
    )
    return 0 if sent == Delivery.objects.count() == args.containers else 1


if __name__ == "__main__":
    sys.exit(main())
