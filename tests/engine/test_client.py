"""Engine against the real Docker engine at /var/run/docker.sock."""

import os
import socket

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


def test_the_public_requests_answer_without_reaching_into_the_sdk(real_engine):
    # The negotiated version, a HEAD's status and a JSON POST's refusal, as callers outside engine/client.py see them.
    assert real_engine.api_version() == real_engine.info().api_version
    assert real_engine.head("/containers/{0}/json", "berth-no-such-container") == 404
    with pytest.raises(docker.errors.NotFound):
        real_engine.post_json("/containers/{0}/exec", "berth-no-such-container", body={"Cmd": ["true"]})
    with pytest.raises(docker.errors.NotFound):
        real_engine.open_stream("/containers/{0}/logs", "berth-no-such-container", params={"stdout": 1})


def test_the_public_requests_report_a_missing_engine_as_unavailable(tmp_path):
    engine = Engine(f"unix://{tmp_path}/no-such-docker.sock", timeout=2)
    try:
        with pytest.raises(EngineUnavailable):
            engine.head("/containers/{0}/json", "x")
        with pytest.raises(EngineUnavailable):
            engine.open_stream("/containers/{0}/logs", "x")
    finally:
        engine.close()


def test_why_an_engine_did_not_answer_is_said_plainly(tmp_path):
    # Given an engine whose socket is missing, one nobody listens on (left by a dockerd killed),
    # and one that takes connections but answers nothing (a dockerd still starting)
    refusing = socket.socket(socket.AF_UNIX)
    refusing.bind(str(tmp_path / "refusing.sock"))
    refusing.close()
    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(tmp_path / "silent.sock"))
    silent.listen(4)
    said = {}
    try:
        for name in ("missing", "refusing", "silent"):
            # When each is asked, by a client made before (a ping) or made then (info: it asks the version)
            for call in ("ping", "info"):
                with pytest.raises(EngineUnavailable) as raised:
                    getattr(Engine(f"unix://{tmp_path}/{name}.sock", timeout=0.5), call)()
                said[name, call] = str(raised.value)
    finally:
        silent.close()

    # Then the error names the engine and says why in words, not a repr of nested exceptions
    for (name, _), error in said.items():
        assert error.startswith(f"Docker engine at unix://{tmp_path}/{name}.sock did not answer"), error
        assert "Error(" not in error and "(2," not in error and "(111," not in error, error
    assert said["missing", "ping"].endswith(": its socket does not exist (is dockerd running?)")
    assert said["refusing", "info"].endswith(": nothing accepts connections there (is dockerd running?)")
    assert said["silent", "ping"].endswith("did not answer within 0.5 s")
