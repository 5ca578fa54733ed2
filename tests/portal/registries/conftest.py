"""Real registries for the registry tests: the test services' htpasswd registry on 127.0.0.1:5000,
a token-auth registry with its token service started here, and ports where no registry is."""

import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.registries.client.session import RegistrySession
from portal.registries.models import Registry
from tests.support.processes import free_port
from tests.support.registry_images import ImagePusher
from tests.support.registry_process import RegistryProcess, TokenService

from .fake_registry import FakeServer

REGISTRY = os.environ.get("BERTH_TEST_REGISTRY", "127.0.0.1:5000")
USER = os.environ.get("BERTH_TEST_REGISTRY_USER", "berth")
PASSWORD = os.environ.get("BERTH_TEST_REGISTRY_PASSWORD", "berth-registry-pass")
URL = f"http://{REGISTRY}"
TOKEN_USER, TOKEN_PASSWORD = "alice", "alice-token-pass"


@pytest.fixture(scope="session")
def pushed():
    """A unique namespace in the htpasswd registry holding: app:1.0, app:latest (amd64), app:multi
    (a manifest list of amd64 and arm64), and tools:oci (an OCI image)."""
    namespace = f"berth-test-{uuid.uuid4().hex[:8]}"
    pusher = ImagePusher(RegistrySession(URL, USER, PASSWORD))
    images = {
        "1.0": pusher.image(f"{namespace}/app", "1.0", created="2026-03-04T05:06:07Z"),
        "latest": pusher.image(f"{namespace}/app", "latest", architecture="arm64", content=b"arm\n"),
        "oci": pusher.image(f"{namespace}/tools", "oci", media_type="application/vnd.oci.image.manifest.v1+json"),
    }
    images["multi"] = pusher.image_list(f"{namespace}/app", "multi", ["amd64", "arm64"])
    return namespace, images


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory):
    """A registry behind a token service (the Bearer flow): alice may pull and push anything but
    `secret/*`; anonymous callers may do nothing. Holds team/app:v1."""
    service = TokenService(
        users={TOKEN_USER: TOKEN_PASSWORD}, may=lambda user, name, act: bool(user) and not name.startswith("secret/")
    ).start()
    registry = RegistryProcess(tmp_path_factory.mktemp("token-registry"), token_service=service).start()
    ImagePusher(RegistrySession(registry.url, TOKEN_USER, TOKEN_PASSWORD)).image("team/app", "v1")
    yield registry
    registry.stop()
    service.stop()


@pytest.fixture(scope="session")
def not_a_registry():
    """A web server that is no registry: every path is an HTML page not found."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html><body>Not found</body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile():
    """A fake registry on 127.0.0.1 (routes added by the test) that may point Berth elsewhere."""
    with FakeServer("127.0.0.1") as server:
        yield server


@pytest.fixture
def elsewhere():
    """Another host (127.0.0.2: another host name), plain HTTP, writing down what reaches it."""
    with FakeServer("127.0.0.2") as server:
        yield server


@pytest.fixture
def elsewhere_tls():
    """Another host over https (a self-signed certificate)."""
    with FakeServer("127.0.0.2", tls=True) as server:
        yield server


@pytest.fixture
def nowhere():
    """A loopback URL where nothing listens: a registry that is down."""
    return f"http://127.0.0.1:{free_port()}"


def make_registry(name=None, url=URL, username=USER, password=PASSWORD, team=None, **fields) -> Registry:
    registry = Registry(name=name or f"reg-{uuid.uuid4().hex[:6]}", url=url, username=username, team=team, **fields)
    registry.set_password(password)
    registry.save()
    return registry
