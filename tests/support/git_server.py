"""A git server for the tests (there is no internet here): git's own smart-HTTP `git http-backend`
behind a small threaded WSGI server on 127.0.0.1, serving the bare repositories in a folder, with
Basic auth required when a username and password are given, and `/moved/…` answering a redirect."""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

__all__ = ["GitServer", "commit_file"]

GIT_USER = {"GIT_AUTHOR_NAME": "Berth Test", "GIT_AUTHOR_EMAIL": "test@berth.invalid"}
GIT_USER |= {"GIT_COMMITTER_NAME": "Berth Test", "GIT_COMMITTER_EMAIL": "test@berth.invalid"}


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@dataclass
class GitServer:
    root: Path
    username: str = ""
    password: str = ""
    requests: list[str] = field(default_factory=list)

    def start(self) -> GitServer:
        self.server = make_server("127.0.0.1", 0, self.app, server_class=_Threading, handler_class=_Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{name}"

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.requests.append(path)
        if path.startswith("/moved/"):
            start_response("301 Moved Permanently", [("Location", path.removeprefix("/moved"))])
            return [b""]
        if self.username:
            expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            if environ.get("HTTP_AUTHORIZATION") != expected:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
                return [b"unauthorized"]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "REMOTE_USER": self.username,
            "REMOTE_ADDR": "127.0.0.1",
        }
        if environ.get("HTTP_GIT_PROTOCOL"):
            env["GIT_PROTOCOL"] = environ["HTTP_GIT_PROTOCOL"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if environ.get("HTTP_CONTENT_ENCODING") == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        headers, status = [], "200 OK"
        for line in head.decode(errors="replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = value.strip()
            elif name:
                headers.append((name, value.strip()))
        start_response(status, headers)
        return [payload]


def commit_file(work: Path, files: dict[str, str], message: str) -> str:
    """Write `files` into the work tree `work` (made and pushed to its bare `origin` by the
    caller), commit them, and answer the commit's sha."""
    for name, text in files.items():
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    env = {**os.environ, **GIT_USER}
    subprocess.run(["git", "add", "-A"], cwd=work, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=work, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, check=True, env=env, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip
