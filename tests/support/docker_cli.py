"""The `docker` CLI, as a person on the host would type it; every test container is labelled
so that it can be cleaned up."""

import subprocess

__all__ = ["TEST_LABEL", "docker", "remove_test_objects"]

TEST_LABEL = "berth.test=1"
IMAGE = "berth/busybox:latest"


def docker(*args: str, host: str = "unix:///var/run/docker.sock", check: bool = True) -> str:
    result = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True, check=False, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def remove_test_objects(host: str = "unix:///var/run/docker.sock") -> None:
    ids = docker("ps", "-aq", "--filter", f"label={TEST_LABEL}", host=host).split()
    if ids:
        docker("rm", "-f", *ids, host=host, check=False)
    for image in docker("images", "-q", "--filter", f"label={TEST_LABEL}", host=host).split():
        docker("rmi", "-f", image, host=host, check=False)
