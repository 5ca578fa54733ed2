"""Real registries for tests and benchmarks: Debian's `docker-registry` on a free loopback port
with its own storage, open, behind htpasswd, or behind a token service (the Bearer flow) that
runs here as a real HTTP server signing real JWTs."""

from __future__ import annotations

import base64
import datetime
import json
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.support.processes import free_port, wait_until

__all__ = ["RegistryProcess", "TokenService"]

REGISTRY = shutil.which("docker-registry") or "/usr/bin/docker-registry"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenService:
    """A token service as the distribution spec describes it. `users` maps a username to its
    password; `may(user, repository, actions)` decides which requested actions a token grants
    (anonymous callers are user ""). Counts the tokens it issued."""

    service: str = "berth-test-registry"
    issuer: str = "berth-test-token-service"
    users: dict[str, str] = field(default_factory=dict)
    may: object = None
    issued: int = 0
    refused: int = 0

    def __post_init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.issuer)])
        now = datetime.datetime.now(datetime.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.port = free_port()
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._server: ThreadingHTTPServer | None = None

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def token(self, subject: str, access: list[dict]) -> str:
        header = {
            "alg": "RS256",
            "typ": "JWT",
            "x5c": [base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()],
        }
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}"

    def answer(self, authorization: str, query: dict[str, list[str]]) -> tuple[int, dict]:
        user = ""
        if authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            if self.users.get(user) != password:
                self.refused += 1
                return 401, {"details": "incorrect username or password"}
        access = []
        for scope in " ".join(query.get("scope", [])).split():
            kind, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else (scope, "", "")
            wanted = [a for a in actions.split(",") if a]
            granted = [a for a in wanted if self.may is None or self.may(user, name, a)] if user or self.may else []
            if granted:
                access.append({"type": kind, "name": name, "actions": granted})
        self.issued += 1
        return 200, {"token": self.token(user or "anonymous", access), "expires_in": 300}

    def start(self) -> TokenService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = service.answer(
                    self.headers.get("Authorization", ""), parse_qs(urlsplit(self.path).query)
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class RegistryProcess:
    """`docker-registry serve` on a free port in `directory`: open (no auth), htpasswd (`users`),
    or token auth (`token_service`)."""

    def __init__(self, directory: Path, *, htpasswd: Path | None = None, token_service: TokenService | None = None):
        self.directory = Path(directory)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.htpasswd = htpasswd
        self.token_service = token_service
        self.popen: subprocess.Popen | None = None

    def config(self) -> str:
        lines = [
            "version: 0.1",
            "log:",
            "  level: error",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {self.directory / 'data'}",
            "  delete:",
            "    enabled: true",
            "http:",
            f"  addr: 127.0.0.1:{self.port}",
            f"  secret: {uuid.uuid4().hex}",
        ]
        if self.htpasswd is not None:
            lines += ["auth:", "  htpasswd:", "    realm: berth-test", f"    path: {self.htpasswd}"]
        if self.token_service is not None:
            bundle = self.directory / "token-ca.pem"
            bundle.write_bytes(self.token_service.certificate_pem())
            lines += [
                "auth:",
                "  token:",
                f"    realm: {self.token_service.realm}",
                f"    service: {self.token_service.service}",
                f"    issuer: {self.token_service.issuer}",
                f"    rootcertbundle: {bundle}",
            ]
        return "\n".join(lines) + "\n"

    def start(self) -> RegistryProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "config.yml"
        config.write_text(self.config())
        log = open(self.directory / "registry.log", "ab")  # noqa: SIM115 (kept open for the process)
        self.popen = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=log, stderr=log, start_new_session=True)
        wait_until(self._answers, timeout=20, what=f"docker-registry on port {self.port}")
        return self

    def _answers(self) -> bool:
        if self.popen.poll() is not None:
            raise AssertionError(f"docker-registry exited: {(self.directory / 'registry.log').read_text()[-2000:]}")
        return requests.get(f"{self.url}/v2/", timeout=2).status_code in (200, 401)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
