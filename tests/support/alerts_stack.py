"""A stack of its own for alerts (its own redis-server, so its portal worker may be SIGKILLed), with
a real SMTP server (aiosmtpd) and a real HTTP receiver on 127.0.0.1, a host worker on the local
engine, and a team whose rules tell both: used by tests/integration/test_alerts.py and bench/alerts.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import unique_name
from tests.support.faults import FaultStack
from tests.support.receivers import HttpReceiver, SmtpSink
from tests.support.redis_server import RedisServer

__all__ = ["FLAP_COOLDOWN", "KEY", "AlertsWorld", "start_alerts_world"]

KEY = "Integration-Webhook-Key"
FLAP_COOLDOWN = 6


@dataclass
class AlertsWorld:
    stack: FaultStack
    redis_server: RedisServer
    host: dict
    hook: HttpReceiver
    smtp: SmtpSink
    prefix: str
    team: dict | None = None
    webhook: dict | None = None

    def alerts(self, **params) -> list[dict]:
        params = {"host": self.host["id"], "page_size": 200, **params}
        return self.stack.get("/api/v1/alerts/", params=params).json()["results"]

    def alert_about(self, subject: str, kind: str = "container.exited", **expected):
        def check():
            found = [a for a in self.alerts() if a["subject"] == subject and a["kind"] == kind]
            return found[0] if found and all(found[0].get(k) == v for k, v in expected.items()) else None

        return check

    def hooks_about(self, subject: str, message: str | None = None) -> list[dict]:
        """Each alert about `subject` the webhook was told of, with `message`: fired, resolved,
        summary (only those of `message`, if given)."""
        bodies = [json.loads(r.body) for r in list(self.hook.requests)]
        alerts = [a for b in bodies for a in b.get("alerts", []) if a["subject"] == subject]
        return [a for a in alerts if message is None or a.get("message") == message]

    def add_rule(self, **rule) -> dict:
        """A rule of the world's team, telling the webhook."""
        made = self.stack.post(
            "/api/v1/alert-rules/", {"team": self.team["id"], "channels": [self.webhook["id"]], **rule}
        )
        assert made.status_code == 201, made.text
        return made.json()

    def stop(self) -> None:
        self.stack.stop()
        self.redis_server.stop()
        self.hook.close()
        self.smtp.close()


def start_alerts_world(data_dir: Path, redis_dir: Path, env: dict[str, str] | None = None) -> AlertsWorld:
    """`env`: more settings for every process of the stack (a short grace, say)."""
    hook, smtp = HttpReceiver(), SmtpSink()
    redis_server = RedisServer(redis_dir).start()
    stack = FaultStack(data_dir=data_dir, redis_url=redis_server.url)
    stack.extra_env = {
        "SMTP_URL": f"{smtp.url}?from=berth@example.com",
        "BERTH_ALERT_LEASE_SECONDS": "2",
        **(env or {}),
    }
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
    return AlertsWorld(stack, redis_server, host, hook, smtp, prefix, team, webhook)
