"""A Unix socket forwarded to the Docker socket, for an engine that vanishes and comes back (as
when its dockerd restarts) without touching the real, shared engine."""

import contextlib
import os
import socket
import threading

__all__ = ["UnixSocketProxy"]


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
