"""A host worker whose engine goes away (as when its dockerd restarts: the socket vanishes and
every connection drops) keeps heartbeating, says the engine is unreachable, and recovers on its
own, with the inventory exact again: what changed while it could not see the engine is listed."""

import contextlib
import os
import socket
import threading

import pytest

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.operations import call, container_named
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


def _shutdown(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class UnixSocketProxy:
    """Forwards a Unix socket to the Docker socket; `stop()` makes the engine vanish."""

    def __init__(self, path, target="/var/run/docker.sock"):
        self.path = str(path)
        self.target = target
        self.server = None
        self.connections = []

    def start(self):
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(self.path)
        self.server.listen(32)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                _shutdown(s)

    def stop(self):
        """Like a daemon going down: the socket disappears and open connections drop."""
        self.server.close()
        for connection in self.connections:
            _shutdown(connection)
        self.connections.clear()
        os.unlink(self.path)


def test_given_a_running_host_when_its_engine_goes_away_and_comes_back_then_it_recovers(stack, host_name, tmp_path):
    proxy = UnixSocketProxy(tmp_path / "docker.sock")
    proxy.start()
    worker = stack.host_worker(host_name, docker_host=f"unix://{proxy.path}")
    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)
    kept, removed, added = (f"{host_name}-{suffix}" for suffix in ("kept", "removed", "added"))
    for name in (kept, removed):
        docker("create", "--label", TEST_LABEL, "--name", name, IMAGE, "true")
    container_named(stack, host["id"], removed)

    proxy.stop()

    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=False)
    assert proxy.path in host["engine_error"]
    assert worker.alive()
    # Changed while Berth cannot see the engine.
    docker("rm", removed)
    docker("create", "--label", TEST_LABEL, "--name", added, IMAGE, "true")

    proxy.start()

    host = stack.wait_for_host(host_name, "online", timeout=15, engine_reachable=True)
    assert host["engine_error"] == ""

    def listed():
        rows = call(stack, "GET", "/api/v1/containers/", params={"host": host["id"], "q": host_name}).json()["results"]
        return {row["name"] for row in rows}

    wait_until(lambda: listed() == {kept, added}, 15, what="the inventory to match the engine")
    worker.stop()
    docker("rm", "-f", kept, added, check=False)
