"""The test registry (127.0.0.1:5000, htpasswd) and multi-layer images to push to and pull from it."""

from __future__ import annotations

import os
import subprocess
import tempfile

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker

__all__ = ["AUTH", "REGISTRY", "build_layered_image", "push_with_cli"]

DEFAULT_HOST = "unix:///var/run/docker.sock"
REGISTRY = os.environ.get("BERTH_TEST_REGISTRY", "127.0.0.1:5000")
AUTH = {
    "username": os.environ.get("BERTH_TEST_REGISTRY_USER", "berth"),
    "password": os.environ.get("BERTH_TEST_REGISTRY_PASSWORD", "berth-registry-pass"),
    "serveraddress": REGISTRY,
}


def build_layered_image(tag: str, layers: int = 3, size_kb: int = 512, host: str = DEFAULT_HOST) -> str:
    """An image of `layers` layers of random bytes on top of busybox, labelled for clean-up."""
    steps = "\n".join(f"RUN dd if=/dev/urandom of=/layer{i} bs=1024 count={size_kb} 2>/dev/null" for i in range(layers))
    dockerfile = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\n{steps}\n"
    with tempfile.TemporaryDirectory() as context:
        with open(os.path.join(context, "Dockerfile"), "w") as handle:
            handle.write(dockerfile)
        docker("build", "-q", "-t", tag, context, host=host)
    return tag


def push_with_cli(tag: str, host: str = DEFAULT_HOST) -> None:
    """`docker push` with a login of its own (a private config dir: nothing global is changed)."""
    with tempfile.TemporaryDirectory() as config:
        env = {**os.environ, "DOCKER_CONFIG": config}
        for args in (
            ["login", REGISTRY, "-u", AUTH["username"], "--password-stdin"],
            ["push", tag],
        ):
            subprocess.run(
                ["docker", "-H", host, *args],
                input=AUTH["password"] if args[0] == "login" else None,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=120,
            )


class OpenRegistry:
    """A registry of our own without authentication on a free port (the shared one needs a login,
    and pulls through the API take credentials only from the registries app). Start/stop it."""

    def __init__(self, root: str):
        from tests.support.processes import free_port

        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> OpenRegistry:
        import time

        import requests

        config = os.path.join(self.root, "config.yml")
        with open(config, "w") as handle:
            handle.write(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                f"    rootdirectory: {self.root}/data\n  delete:\n    enabled: true\n"
                f"http:\n  addr: {self.address}\n  secret: berth-open-test-registry\n"
            )
        log = open(os.path.join(self.root, "registry.log"), "ab")  # noqa: SIM115 - the process keeps it
        self.process = subprocess.Popen(["docker-registry", "serve", config], stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://{self.address}/v2/", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the open registry at {self.address} did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
