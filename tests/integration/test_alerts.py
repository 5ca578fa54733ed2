"""Alerts end to end, on a stack of this module's own (its own redis-server, so its portal worker can
be SIGKILLed and started again): a container on the real engine exits non-zero → an email reaches a
real SMTP server (aiosmtpd) and a signed webhook a real HTTP receiver, within seconds; it resolves
when started again; a flapping container is one alert and a summary; a portal worker killed in
the middle of a delivery loses nothing; a host worker SIGKILLed is one host-offline alert."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from portal.alerts.senders.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.conftest import unique_name
from tests.support.docker_cli import IMAGE, TEST_LABEL, docker, remove_test_objects
from tests.support.faults import FaultStack
from tests.support.processes import wait_until
from tests.support.receivers import HttpReceiver, SmtpSink
from tests.support.redis_server import RedisServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("BERTH_TEST_DATABASE") == "postgres", reason="run once, on SQLite"),
]

KEY = "Integration-Webhook-Key"
FLAP_COOLDOWN = 6


class World:
    def __init__(self, stack, host, hook, smtp, prefix):
        self.stack, self.host, self.hook, self.smtp, self.prefix = stack, host, hook, smtp, prefix

    def alerts(self, **params) -> list[dict]:
        return self.stack.get("/api/v1/alerts/", params={"host": self.host["id"], **params}).json()["results"]

    def alert_about(self, subject: str, kind: str = "container.exited", **expected):
        def check():
            found = [a for a in self.alerts() if a["subject"] == subject and a["kind"] == kind]
            return found[0] if found and all(found[0].get(k) == v for k, v in expected.items()) else None

        return check

    def hooks_about(self, subject: str) -> list[dict]:
        bodies = [json.loads(r.body) for r in self.hook.requests]
        return [b for b in bodies if any(a["subject"] == subject for a in b.get("alerts", []))]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    hook, smtp = HttpReceiver(), SmtpSink()
    redis_server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    stack = FaultStack(data_dir=tmp_path_factory.mktemp("berth-alerts"), redis_url=redis_server.url)
    stack.extra_env = {"SMTP_URL": f"{smtp.url}?from=berth@example.com", "BERTH_ALERT_LEASE_SECONDS": "2"}
    stack.start()
    prefix = unique_name("alerts")
    stack.host_worker(prefix)
    host = stack.wait_for_host(prefix, "online", timeout=20)
    team = stack.post("/api/v1/teams/", {"name": f"{prefix}-ops"}).json()
    assert stack.post(f"/api/v1/teams/{team['id']}/bindings/", {"role": "admin", "all_hosts": True}).status_code == 201
    email = stack.post(
        "/api/v1/alert-channels/", {"name": "mail", "team": team["id"], "kind": "email", "target": "ops@example.com"}
    ).json()
    webhook = stack.post(
        "/api/v1/alert-channels/",
        {"name": "hook", "team": team["id"], "kind": "webhook", "target": hook.url(), "secret": KEY},
    ).json()
    rules = [
        {
            "name": "exits",
            "events": ["container.exited"],
            "match": {"names": [f"{prefix}-x*"]},
            "channels": [email["id"], webhook["id"]],
            "cooldown_seconds": 300,
        },
        {
            "name": "flaps",
            "events": ["container.exited"],
            "match": {"names": [f"{prefix}-flap*"]},
            "channels": [webhook["id"]],
            "cooldown_seconds": FLAP_COOLDOWN,
        },
        {"name": "hosts", "events": ["host.offline"], "channels": [webhook["id"]]},
    ]
    for rule in rules:
        made = stack.post("/api/v1/alert-rules/", {"team": team["id"], **rule})
        assert made.status_code == 201, made.text
    yield World(stack, host, hook, smtp, prefix)
    stack.stop()
    redis_server.stop()
    hook.close()
    smtp.close()
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
    wait_until(lambda: any(b["kind"] == "resolved" for b in world.hooks_about(name)), 10, what="resolved told")
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
        lambda: any(b["kind"] == "summary" for b in world.hooks_about(name)), FLAP_COOLDOWN + 10, what="the summary"
    )
    kinds = [b["kind"] for b in world.hooks_about(name)]
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
        deliveries = world.stack.get(f"/api/v1/alerts/{alert['id']}/").json()["deliveries"]
        hooks = [d for d in deliveries if d["channel_name"] == "hook"]
        return hooks if hooks and hooks[0]["state"] == "sent" else None

    (delivery,) = wait_until(sent, 30, 0.2, what="the delivery sent by the new worker")
    assert delivery["attempts"] >= 1
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
