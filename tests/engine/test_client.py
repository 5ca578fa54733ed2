"""Engine against the real Docker engine at /var/run/docker.sock."""

import os

import docker.errors
import pytest
import requests.exceptions

from engine import Engine, EngineUnavailable

REAL_SOCKET = "/var/run/docker.sock"


@pytest.fixture(scope="module")
def real_engine():
    if not os.path.exists(REAL_SOCKET):
        pytest.fail(f"These tests need a Docker engine at {REAL_SOCKET}.")
    engine = Engine(f"unix://{REAL_SOCKET}")
    yield engine
    engine.close()


def test_info_describes_the_real_engine(real_engine):
    info = real_engine.info()

    assert info.api_version == "1.41"
    assert info.engine_id
    assert info.engine_version
    assert info.cpus > 0
    assert info.memory > 0


def test_ping_answers_true(real_engine):
    assert real_engine.ping() is True


def test_a_missing_socket_is_reported_as_unavailable_naming_the_url(tmp_path):
    # Given an engine at a socket nobody listens on
    url = f"unix://{tmp_path}/no-such-docker.sock"
    engine = Engine(url, timeout=2)

    # When it is asked anything
    with pytest.raises(EngineUnavailable) as raised:
        engine.info()

    # Then the error says which engine did not answer
    assert url in str(raised.value)
    assert "did not answer" in str(raised.value)


def test_an_engine_that_appears_later_is_picked_up(tmp_path):
    # Given a socket path that does not lead to an engine yet
    link = tmp_path / "docker.sock"
    engine = Engine(f"unix://{link}", timeout=5)
    with pytest.raises(EngineUnavailable):
        engine.ping()

    # When the engine becomes reachable at that path
    link.symlink_to(REAL_SOCKET)

    # Then the same Engine answers without being recreated
    try:
        assert engine.ping() is True
        assert engine.info().api_version == "1.41"
    finally:
        engine.close()


def test_after_a_connection_failure_the_client_is_rebuilt():
    # Given an engine that answered once
    engine = Engine(f"unix://{REAL_SOCKET}", timeout=5)
    engine.ping()
    broken_client = engine._client

    # When its connection breaks mid-call
    def refuse(*args, **kwargs):
        raise requests.exceptions.ConnectionError("Connection aborted.")

    broken_client.api.ping = refuse
    with pytest.raises(EngineUnavailable) as raised:
        engine.ping()
    assert "Connection aborted." in str(raised.value)

    # Then the next call builds a fresh client and reaches the engine again
    try:
        assert engine.ping() is True
        assert engine._client is not broken_client
    finally:
        engine.close()


def test_a_client_error_is_not_mistaken_for_an_outage():
    # A 404 from the engine is the caller's problem, not an engine that went away.
    engine = Engine(f"unix://{REAL_SOCKET}", timeout=5)
    try:
        with pytest.raises(docker.errors.NotFound):
            engine._call("inspect_image", "berth/no-such-image:never")
        assert engine.ping() is True
    finally:
        engine.close()
