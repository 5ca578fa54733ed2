"""An upgrade narrows the hosts' broker rules (their operations' keys became their own): at its
start the portal worker gives each host's existing user today's rules, keeping its password,
on a real Redis."""

import redis

from portal.hosts import broker_users
from portal.hosts.broker_users import BrokerManagement, refresh_host_users
from tests.conftest import unique_name
from wire.names import host_broker_user, operation_progress_key


def test_an_existing_users_rules_are_refreshed_and_its_password_still_works(redis_url, monkeypatch):
    admin = redis.Redis.from_url(redis_url)
    slug, other = unique_name("refresh"), unique_name("other")
    user, password = host_broker_user(slug), "s3cret-of-the-host"
    # What an older Berth made: every operation's keys open to every host.
    admin.execute_command("ACL", "SETUSER", user, "reset", "on", f">{password}", "+@all", "~berth:operation:*")
    monkeypatch.setattr(broker_users, "_redis", lambda: admin)
    monkeypatch.setattr(broker_users, "broker_management", lambda: BrokerManagement(True))
    try:
        assert refresh_host_users([slug, unique_name("never-enrolled")]) == 1

        as_host = redis.Redis.from_url(redis_url, username=user, password=password)
        as_host.set(operation_progress_key(slug, 1), "mine")
        try:
            as_host.set(operation_progress_key(other, 1), "theirs")
            raise AssertionError("another host's operation key was writable")
        except redis.exceptions.NoPermissionError:
            pass
    finally:
        admin.execute_command("ACL", "DELUSER", user)
        admin.delete(operation_progress_key(slug, 1))


def test_an_unmanaged_broker_is_left_alone(monkeypatch):
    monkeypatch.setattr(broker_users, "broker_management", lambda: BrokerManagement(False, "off"))
    monkeypatch.setattr(broker_users, "_redis", lambda: (_ for _ in ()).throw(AssertionError("Redis was asked")))
    assert refresh_host_users(["web-1"]) == 0
