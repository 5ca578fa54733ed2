"""Enrolling a host answers once with what its worker needs; rotating replaces it and is audited;
removing a host removes its broker user and queue. The broker's ACL rules give each host only its own."""

import fnmatch
import shlex

import pytest

from portal.audit.models import AuditEvent
from portal.hosts import broker_users, enrollment, views
from portal.hosts.broker_acl import host_acl_rules, host_key_patterns
from portal.hosts.broker_users import BrokerManagement
from portal.hosts.models import Host
from tests.portal.factories import make_binding, make_superuser, make_team, make_user
from wire.keys import HostKeys, PortalKey, VerifyKey
from wire.names import host_channel_owner
from wire.signing import report_signed_by, sign_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def portal_key_file(settings, tmp_path):
    settings.BERTH_PORTAL_KEY = PortalKey.generate().to_text()
    enrollment.portal_key.cache_clear()
    yield
    enrollment.portal_key.cache_clear()


@pytest.fixture
def managed(monkeypatch):
    """A broker where Berth manages users: what it was asked to do is recorded."""
    calls = []
    monkeypatch.setattr(enrollment, "broker_management", lambda: BrokerManagement(True))
    monkeypatch.setattr(
        enrollment,
        "set_host_user",
        lambda slug, password: calls.append(("set", slug, password)) or f"berth-host-{slug}",
    )
    monkeypatch.setattr(enrollment, "drop_host_user", lambda user: calls.append(("drop", user)))
    monkeypatch.setattr(enrollment, "purge_host_keys", lambda slug: calls.append(("purge", slug)))
    return calls


def test_adding_a_host_answers_once_with_its_credentials_as_env_and_command(as_admin, managed, settings):
    settings.BERTH_HOST_REDIS_URL = "redis://broker.example:6380/3"

    response = as_admin.post("/api/v1/hosts/", {"name": "Web 1"}, format="json")

    assert response.status_code == 201
    answer = response.json()["enrollment"]
    env = answer["env"]
    (_, slug, password) = managed[0]
    assert slug == "web-1" and len(password) >= 40
    assert env["REDIS_URL"] == f"redis://berth-host-web-1:{password}@broker.example:6380/3"
    assert answer["command"].endswith("python -m workers --name web-1")
    assert dict(part.split("=", 1) for part in shlex.split(answer["command"])[:3]) == env
    keys = HostKeys.from_text(env["BERTH_HOST_KEY"])
    host = Host.objects.get(slug="web-1")
    assert host.enrolled and host.broker_user == "berth-host-web-1"
    report = {"kind": "hello", "host": "web-1"}
    assert report_signed_by(VerifyKey.from_text(host.verify_key), report, sign_report(keys, report))
    assert VerifyKey.from_text(env["BERTH_PORTAL_PUBLIC_KEY"]) == enrollment.portal_key().public()
    # Shown once: never again by the API, nor kept anywhere.
    again = as_admin.get(f"/api/v1/hosts/{host.pk}/").json()
    assert "enrollment" not in again and env["BERTH_HOST_KEY"] not in str(again)
    for event in AuditEvent.objects.all():
        assert password not in str(event.detail) and env["BERTH_HOST_KEY"] not in str(event.detail)


def test_rotating_replaces_keys_and_password_and_is_audited(as_admin, managed):
    first = as_admin.post("/api/v1/hosts/", {"name": "web-2"}, format="json").json()
    host = Host.objects.get(slug="web-2")

    second = as_admin.post(f"/api/v1/hosts/{host.pk}/rotate/", format="json")

    assert second.status_code == 201
    assert second.json()["enrollment"]["env"]["BERTH_HOST_KEY"] != first["enrollment"]["env"]["BERTH_HOST_KEY"]
    assert [call[0] for call in managed] == ["set", "set"] and managed[0][2] != managed[1][2]
    assert Host.objects.get(pk=host.pk).verify_key != host.verify_key
    event = AuditEvent.objects.get(action="host.rotate")
    assert event.target_id == str(host.pk) and event.detail["broker_user"] == "berth-host-web-2"
    assert managed[1][2] not in str(event.detail)


def test_an_unmanaged_broker_is_said_plainly_and_the_shared_url_given(as_admin, monkeypatch, settings):
    settings.BERTH_HOST_REDIS_URL = "redis://127.0.0.1:6379/0"
    problem = "Redis's default user needs no password, so any host worker could use it instead of its own."
    monkeypatch.setattr(enrollment, "broker_management", lambda: BrokerManagement(False, problem))

    answer = as_admin.post("/api/v1/hosts/", {"name": "web-3"}, format="json").json()["enrollment"]

    assert answer["env"]["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert answer["warning"] == problem and answer["broker_user"] == ""


def test_removing_a_host_removes_its_broker_user_and_queue(as_admin, managed, django_capture_on_commit_callbacks):
    as_admin.post("/api/v1/hosts/", {"name": "web-4"}, format="json")
    host = Host.objects.get(slug="web-4")

    with django_capture_on_commit_callbacks(execute=True):
        assert as_admin.delete(f"/api/v1/hosts/{host.pk}/").status_code == 204

    assert managed[1:] == [("drop", "berth-host-web-4"), ("purge", "web-4")]


def test_the_broker_check_refuses_to_manage_users_when_the_default_user_is_open(monkeypatch, settings):
    settings.BERTH_BROKER_USERS = "auto"

    class Redis:
        def execute_command(self, *args):
            return {("ACL", "WHOAMI"): b"default", ("ACL", "GETUSER"): [b"flags", [b"on", b"nopass"]]}.get(
                args[:2], b"OK"
            )

    monkeypatch.setattr(broker_users, "_redis", Redis)
    answer = broker_users._check()
    assert not answer.managed and "default user needs no password" in answer.problem
    settings.BERTH_BROKER_USERS = "off"
    assert not broker_users._check().managed


def _allowed(patterns: list[str], key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def test_a_hosts_key_patterns_reach_its_own_keys_and_no_other_hosts():
    mine, theirs = host_key_patterns("web-1"), host_key_patterns("web-10")
    own_keys = [
        "host.web-1",
        "host.web-1\x06\x163",
        "_kombu.binding.host.web-1",
        "berth:kombu:web-1:unacked",
        "berth:host-claim:web-1",
        "berth:asgiberth.host.web-1.streams",
        f"berth:asgispecific.{host_channel_owner('web-1')}.abc!",
    ]
    for key in own_keys:
        assert _allowed(mine, key), key
        assert not _allowed(theirs, key), key
    for key in ("portal", "unacked", "unacked_index", "_kombu.binding.portal", "berth:asgispecific.portal.x!"):
        assert not _allowed(mine, key), key


def test_the_acl_rules_start_from_nothing_and_hold_only_the_password_hash():
    rules = host_acl_rules("web-1", "ab" * 32)

    assert rules[:3] == ["reset", "on", "#" + "ab" * 32]
    assert "resetchannels" in rules and "-@dangerous" in rules and "-keys" in rules
    assert not any(rule in ("allkeys", "allchannels", "+@all", "~*", "&*") for rule in rules)
    selectors = [rule for rule in rules if rule.startswith("(")]
    assert selectors[0] == "(%W~portal %W~portal\x06\x16* +lpush)"


def test_the_host_page_offers_enrollment_to_its_admins_and_says_when_hosts_share_the_broker(client, monkeypatch):
    monkeypatch.setattr(views, "broker_management", lambda: BrokerManagement(False, "Hosts share the broker URL."))
    old = Host.objects.create(slug="old-1", name="old-1")
    client.force_login(make_superuser())

    page = client.get(f"/hosts/{old.pk}/").content.decode()

    assert "This host needs enrolling" in page and 'id="host-rotate"' in page and "Enroll</button>" in page
    assert "Hosts share the broker URL." in page
    developer = make_user()
    make_binding(make_team(developer), "developer", old)
    client.force_login(developer)
    page = client.get(f"/hosts/{old.pk}/").content.decode()
    assert "This host needs enrolling" in page and 'id="host-rotate"' not in page and "share the broker" not in page
