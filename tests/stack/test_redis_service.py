"""local_redis_command: start a Redis only where `make run` can, and say why not otherwise."""

import shutil

import pytest

from stack import redis_service
from stack.redis_service import RedisProblem, local_redis_command

REDIS_SERVER = "/usr/bin/redis-server"


@pytest.fixture
def redis_installed(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: REDIS_SERVER if name == "redis-server" else None)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


@pytest.mark.parametrize("url", ["redis://10.0.0.5:6379/0", "redis://redis.internal:6379/0", "amqp://127.0.0.1//"])
def test_a_redis_elsewhere_is_not_started_here(tmp_path, redis_installed, url):
    with pytest.raises(RedisProblem) as raised:
        local_redis_command(url, tmp_path)

    message = str(raised.value)
    assert f"No Redis answers at {url}." in message
    assert "Start that Redis, or unset REDIS_URL" in message


def test_a_tls_url_is_not_started_here(tmp_path, redis_installed):
    url = "rediss://127.0.0.1:6380/0"

    with pytest.raises(RedisProblem) as raised:
        local_redis_command(url, tmp_path)

    assert str(raised.value) == f"No Redis answers at {url}, and `make run` starts only plain local Redis."


def test_a_local_url_gives_a_command_on_its_port_with_its_password(tmp_path, redis_installed):
    data_dir = tmp_path / "redis"

    command = local_redis_command("redis://:s3cret@127.0.0.1:6390/0", data_dir)

    assert command[0] == REDIS_SERVER
    assert option(command, "--port") == "6390"
    assert option(command, "--bind") == "127.0.0.1"
    assert option(command, "--requirepass") == "s3cret"
    assert option(command, "--dir") == str(data_dir)
    assert data_dir.is_dir()


def test_a_password_with_escaped_characters_is_given_to_redis_as_clients_send_it(tmp_path, redis_installed):
    command = local_redis_command("redis://:p%40ss%2Fw@localhost/0", tmp_path)

    assert option(command, "--requirepass") == "p@ss/w"


def test_without_a_port_or_password_redis_listens_on_6379_openly(tmp_path, redis_installed):
    command = local_redis_command("redis://localhost/0", tmp_path)

    assert option(command, "--port") == "6379"
    assert "--requirepass" not in command


def test_without_redis_server_the_problem_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(redis_service, "_install_redis", lambda: None)

    with pytest.raises(RedisProblem) as raised:
        local_redis_command("redis://127.0.0.1:6379/0", tmp_path)

    assert "redis-server is not installed. Install it (apt-get install redis-server)" in str(raised.value)


def test_redis_answers_is_false_for_a_port_nobody_listens_on():
    assert redis_service.redis_answers("redis://127.0.0.1:1/0", timeout=0.2) is False
    assert redis_service.redis_answers("not a url") is False


def test_the_redis_make_run_starts_needs_a_password_and_keeps_its_users_owner_only(tmp_path):
    import subprocess

    import redis

    from tests.support.processes import free_port, wait_until

    password, acl_file = redis_service.private_redis_users(tmp_path / "redis")
    assert redis_service.private_redis_users(tmp_path / "redis") == (password, acl_file)  # made once
    assert oct(acl_file.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "redis" / "redis-password").stat().st_mode & 0o777) == "0o600"
    assert password not in acl_file.read_text()  # only its hash
    port = free_port()
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    command = local_redis_command(url, tmp_path / "redis", acl_file)
    assert "--requirepass" not in command and option(command, "--aclfile") == str(acl_file)
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: redis_service.redis_answers(url), 10, what="the Redis")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port).ping()
        client = redis.Redis.from_url(url)
        client.execute_command("ACL", "SETUSER", "berth-host-x", "on", ">pw")
        client.execute_command("ACL", "SAVE")
        assert "berth-host-x" in acl_file.read_text()
    finally:
        server.terminate()
        server.wait(10)
