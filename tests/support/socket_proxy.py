"""Sockets forwarded to another, for a peer that vanishes and comes back without touching the
real, shared one: a Unix socket before the Docker socket (as when its dockerd restarts), a TCP
port before the web process (as when a proxy between the browser and Berth restarts)."""

import contextlib
import os
import socket
import threading

__all__ = ["TcpProxy", "UnixSocketProxy"]


def _shutdown(sock):
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class SocketProxy:
    """Forwards what connects to `address` to `target`, both of `family`."""

    family = socket.AF_UNIX

    def __init__(self, address, target):
        self.address = address
        self.target = target
        self.server = None
        self.connections = []
        self._lock = threading.Lock()

    def start(self):
        self.server = socket.socket(self.family)
        if self.family != socket.AF_UNIX:
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(self.address)
        self.server.listen(32)
        self.address = self.server.getsockname()
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.socket(self.family)
            try:
                upstream.connect(self.target)
            except OSError:
                _shutdown(client)
                continue
            with self._lock:
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

    def cut(self):
        """Every open connection drops; new ones are forwarded as before."""
        with self._lock:
            connections, self.connections = self.connections, []
        for connection in connections:
            _shutdown(connection)

    def stop(self):
        """Like a daemon going down: nothing listens any more and open connections drop."""
        self.server.close()
        self.cut()


class UnixSocketProxy(SocketProxy):
    """Forwards a Unix socket to the Docker socket; `stop()` makes the engine vanish."""

    def __init__(self, path, target="/var/run/docker.sock"):
        super().__init__(str(path), target)

    @property
    def path(self) -> str:
        return self.address

    def stop(self):
        super().stop()
        os.unlink(self.path)


class TcpProxy(SocketProxy):
    """Forwards a free port of 127.0.0.1 (`port`, once started) to `target_port` there."""

    family = socket.AF_INET

    def __init__(self, target_port: int):
        super().__init__(("127.0.0.1", 0), ("127.0.0.1", target_port))

    @property
    def port(self) -> int:
        return self.address[1]
