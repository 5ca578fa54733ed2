"""Small HTTP(S) servers that play a hostile registry and the other host it points Berth at, and
write down every request they get (with its headers), so a test can say what arrived where."""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "BASIC",
    "OK",
    "PASSWORD",
    "TOKEN",
    "USER",
    "Answer",
    "FakeServer",
    "Seen",
    "basic_registry",
    "bearer_registry",
    "credentials_arrived",
    "json_answer",
]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]

    @property
    def authorization(self) -> str:
        return self.headers.get("authorization", "")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""


def json_answer(status: int, body, **headers) -> Answer:
    return Answer(status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode())


def _self_signed(host: str, directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class FakeServer:
    """Answers each request with the first route whose path prefix matches (else a registry-style
    404), on `host` (another loopback address plays another machine), over TLS when `tls`."""

    def __init__(self, host: str = "127.0.0.1", *, tls: bool = False):
        self.host = host
        self.tls = tls
        self.routes: list[tuple[str, Callable[[Seen], Answer]]] = []
        self.seen: list[Seen] = []
        self._server: ThreadingHTTPServer | None = None
        self._directory = tempfile.TemporaryDirectory()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self._server.server_port}"

    def route(self, prefix: str, answer: Callable[[Seen], Answer] | Answer) -> FakeServer:
        self.routes.append((prefix, answer if callable(answer) else (lambda _seen, fixed=answer: fixed)))
        return self

    def _answer(self, seen: Seen) -> Answer:
        for prefix, answer in self.routes:
            if seen.path.startswith(prefix):
                return answer(seen)
        return json_answer(404, {"errors": [{"code": "NAME_UNKNOWN"}]})

    def start(self) -> FakeServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                fake.seen.append(seen)
                answer = fake._answer(seen)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_HEAD = _serve

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*_self_signed(self.host, Path(self._directory.name)))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._directory.cleanup()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


USER, PASSWORD = "alice", "alice-registry-secret"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = "token-from-the-realm"
OK = json_answer(200, {}, **{"Docker-Distribution-API-Version": "registry/2.0"})


def bearer_registry(server: FakeServer, realm: str) -> FakeServer:
    """Every path needs the token the realm hands out."""

    def answer(seen: Seen) -> Answer:
        if seen.authorization == f"Bearer {TOKEN}":
            return OK
        return json_answer(401, {}, **{"WWW-Authenticate": f'Bearer realm="{realm}",service="hostile"'})

    return server.route("/v2/", answer)


def basic_registry(server: FakeServer, routes: dict) -> FakeServer:
    """Basic auth: a request with the password gets `routes`' answer, one without a 401."""

    def guarded(answer):
        def serve(seen: Seen) -> Answer:
            if seen.authorization != BASIC:
                return json_answer(401, {}, **{"WWW-Authenticate": 'Basic realm="hostile"'})
            return answer(seen) if callable(answer) else answer

        return serve

    for prefix, answer in routes.items():
        server.route(prefix, guarded(answer))
    return server.route("/v2/", guarded(OK))


def credentials_arrived(server: FakeServer) -> list[Seen]:
    return [seen for seen in server.seen if seen.authorization or PASSWORD in seen.path]
