"""One portal worker in a process of its own, for tests/portal/inventory/test_two_portal_workers.py:
it applies host reports from a file through the portal worker's task body (apply_host_report,
less Celery) to the database the environment names (DATABASE_URL, else SQLite in BERTH_DATA_DIR).

    python -m tests.portal.inventory.portal_worker_process migrate [REPORTS.json]   (then applies them in order)
    python -m tests.portal.inventory.portal_worker_process apply REPORTS.json PART PARTS START_AT
    python -m tests.portal.inventory.portal_worker_process state
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("BERTH_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    # Events go nowhere: this is about the database.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def apply(path: str, part: int, parts: int, start_at: float) -> dict:
    """Applies every `parts`-th report from `part` on, all at once with the other workers (from
    `start_at`, a wall-clock time): {outcome: count}."""
    from portal.ingest.reports import apply_host_report

    reports = json.loads(Path(path).read_text())[part::parts]
    time.sleep(max(0.0, start_at - time.time()))
    outcomes: dict[str, int] = {}
    for report in reports:  # as the task does: a report that raises is lost, and fails the test
        outcome = apply_host_report(report).value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def state() -> dict:
    """Per host: its live containers (name: state, exit code) and live images (their tags)."""
    from portal.containers.models import Container
    from portal.images.models import Image

    hosts: dict[str, dict] = {}
    for slug, name, state, exit_code in Container.objects.live().values_list(
        "host__slug", "name", "state", "exit_code"
    ):
        hosts.setdefault(slug, {"containers": {}, "images": []})["containers"][name] = [state, exit_code]
    for image in Image.objects.live().select_related("host").prefetch_related("tags"):
        tags = sorted(f"{tag.repository}:{tag.tag}" for tag in image.tags.all())
        hosts.setdefault(image.host.slug, {"containers": {}, "images": []})["images"].append(tags)
    for host in hosts.values():
        host["images"].sort()
    return hosts


def main(argv: list[str]) -> int:
    setup()
    if argv[0] == "migrate":
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if len(argv) > 1:
            print(json.dumps(apply(argv[1], 0, 1, 0)))
        return 0
    if argv[0] == "apply":
        print(json.dumps(apply(argv[1], int(argv[2]), int(argv[3]), float(argv[4]))))
        return 0
    print(json.dumps(state()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
