import pytest

from portal.alerts.models import AlertChannel, AlertRule
from tests.portal.factories import make_binding, make_online_host, make_team, make_user
from tests.support.receivers import HttpReceiver, SmtpSink


@pytest.fixture(autouse=True)
def no_celery_kick(monkeypatch):
    """Deliveries are sent by calling deliver_due in the test, not by a portal worker."""
    kicks = []
    monkeypatch.setattr("portal.alerts.tasks.kick_delivery", lambda: kicks.append(1))
    return kicks


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


@pytest.fixture
def smtp(settings):
    sink = SmtpSink()
    settings.BERTH_SMTP_URL = sink.url + "?from=berth@example.com"
    yield sink
    sink.close()


@pytest.fixture
def host_a():
    return make_online_host("host-a")


@pytest.fixture
def host_b():
    return make_online_host("host-b")


@pytest.fixture
def team(host_a):
    """Team "ops" holds admin on host A only; ada is its admin."""
    ada = make_user("ada")
    crew = make_team(ada, name="ops")
    make_binding(crew, "admin", host_a)
    return crew


def make_channel(team, kind="webhook", target="http://127.0.0.1:9/hook", secret="s3cret", name=None):  # noqa: S107 (a test key)
    channel = AlertChannel(team=team, kind=kind, target=target, name=name or f"{kind}-{AlertChannel.objects.count()}")
    channel.set_secret(secret)
    channel.save()
    return channel


def make_rule(team, events, *channels, cooldown=300, **fields):
    rule = AlertRule.objects.create(
        team=team,
        name=fields.pop("name", f"rule-{AlertRule.objects.count()}"),
        events=events,
        cooldown_seconds=cooldown,
        **fields,
    )
    rule.channels.set(channels)
    return rule
