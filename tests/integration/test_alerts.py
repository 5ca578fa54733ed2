"""Alerts end to end, on a stack of this module's own (its own redis-server, so its portal worker can
be SIGKILLed and started again): a container on the real engine exits non-zero → an email reaches a
real SMTP server (aiosmtpd) and a signed webhook a real HTTP receiver, within seconds; it resolves
when started again; a flapping container is one alert and a summary; a portal worker killed in
the middle of a delivery loses nothing; a host worker SIGKILLed is one host-offline alert."""

from __future__ import annotations

import os
import signal
import time

import pytest

from portal.alerts.senders.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.support.alerts_stack import FLAP_COOLDOWN, KEY, start_alerts_world
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.processes import wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("BERTH_TEST_DATABASE") == "postgres", reason="run once, on SQLite"),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = start_alerts_world(tmp_path_factory.mktemp("berth-alerts"), tmp_path_factory.mktemp("redis"))
    yield world
    world.stop()
    remove_test_objects()


def test_a_container_exiting_non_zero_is_told_by_email_and_signed_webhook_then_resolves(world):
    name = f"{world.prefix}-x1"
    # Exits 3 the first time; started again, it finds its mark and runs.
    script = "test -f /mark && exec sleep 300; touch /mark; exit 3"
    started = time.time()
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sh", "-c", script)

    wait_until(lambda: world.hooks_about(name), 10, what="the webhook")
    (mail_to, mail, mail_at) = next(m for m in world.smtp.wait_for(1) if name in m[1]["Subject"])
    hit = next(r for r in world.hook.requests if name.encode() in r.body)
    assert verify_signature(KEY, hit.headers[TIMESTAMP_HEADER], hit.body, hit.headers[SIGNATURE_HEADER])
    assert mail_to == ["ops@example.com"] and "exited with code 3" in mail["Subject"]
    print(f"\nexit → webhook {hit.at - started:.2f} s, → email {mail_at - started:.2f} s (from `docker run`)")
    assert hit.at - started < 10 and mail_at - started < 10

    docker("start", name)

    alert = wait_until(world.alert_about(name, state="resolved"), 10, what="the alert resolved")
    wait_until(lambda: any(a["message"] == "resolved" for a in world.hooks_about(name)), 10, what="resolved told")
    detail = world.stack.get(f"/api/v1/alerts/{alert['id']}/").json()
    whats = [e["what"] for e in detail["entries"]]
    assert whats[0] == "fired" and "resolved" in whats and whats.count("notified") >= 2


def test_a_flapping_container_is_one_alert_then_a_summary(world):
    name = f"{world.prefix}-flap"
    docker(
        "run",
        "-d",
        "--name",
        name,
        "--label",
        TEST_LABEL,
        "--restart",
        "always",
        IMAGE,
        "sh",
        "-c",
        "sleep 0.3; exit 1",
    )

    alert = wait_until(
        lambda: (a := world.alert_about(name)()) and a["fire_count"] >= 3 and a, 20, 0.2, what="three flaps"
    )
    docker("rm", "-f", name)
    assert len([a for a in world.alerts() if a["subject"] == name]) == 1
    wait_until(
        lambda: any(a["message"] == "summary" for a in world.hooks_about(name)), FLAP_COOLDOWN + 10, what="the summary"
    )
    kinds = [a["message"] for a in world.hooks_about(name)]
    assert kinds.count("fired") == 1 and kinds.count("summary") == 1 and len(kinds) <= 4, kinds
    assert alert["fire_count"] >= 3


def test_a_portal_worker_killed_mid_delivery_loses_nothing(world):
    name = f"{world.prefix}-x2"
    world.hook.delay = 3.0  # the receiver holds the first request while the worker dies
    before = len(world.hook.requests)
    docker("run", "-d", "--name", name, "--label", TEST_LABEL, IMAGE, "sh", "-c", "exit 7")
    wait_until(world.alert_about(name), 10, what="the alert")
    time.sleep(1.0)  # the delivery is in the worker's hands, its request held by the receiver

    world.stack.process("portal-worker").stop(signal.SIGKILL)
    world.hook.delay = 0.0
    world.stack.restart_portal_worker()

    def sent():
        alert = world.alert_about(name)()
        detail = world.stack.get(f"/api/v1/alerts/{alert['id']}/").json()
        fired = [d for d in detail["deliveries"] if d["channel_name"] == "hook" and d["kind"] == "fired"]
        return (fired, detail) if fired and fired[0]["state"] == "sent" else None

    fired, detail = wait_until(sent, 30, 0.2, what="the delivery sent by the new worker")
    # One delivery of the firing, taken over, not a second one made.
    assert len(fired) == 1 and fired[0]["attempts"] >= 1, detail
    assert len(world.hook.requests) > before and world.hooks_about(name)


def test_a_host_worker_sigkilled_is_one_host_offline_alert(world):
    worker = next(p for p in world.stack.processes if p.name == f"host-{world.prefix}" and p.alive())
    killed = time.time()
    worker.stop(signal.SIGKILL)

    wait_until(lambda: world.hooks_about(world.host["name"]), 20, what="the host offline alert")
    hit = next(r for r in world.hook.requests if b"is offline" in r.body)
    print(f"\nhost worker SIGKILL → host-offline webhook {hit.at - killed:.1f} s")
    assert hit.at - killed <= 15
    offline = [a for a in world.alerts() if a["kind"] == "host.offline"]
    assert len(offline) == 1 and offline[0]["title"] == f"Host {world.host['name']} is offline"
