"""The `docker` CLI, as a person on the host would type it; every test container is labelled
so that it can be cleaned up."""

import ipaddress
import os
import random
import subprocess

__all__ = ["TEST_LABEL", "TEST_RUN", "docker", "free_subnet", "remove_test_objects"]

# Runs sharing an engine (worktrees, a benchmark beside the tests) set BERTH_TEST_RUN apart, so
# that one run's clean-up never removes another's containers.
TEST_RUN = os.environ.get("BERTH_TEST_RUN", "1")
TEST_LABEL = f"berth.test={TEST_RUN}"
IMAGE = "berth/busybox:latest"


def docker(*args: str, host: str = "unix:///var/run/docker.sock", check: bool = True) -> str:
    result = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True, check=False, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def free_subnet(*hosts: str) -> str:
    """A /24 (as "10.X.Y", its first three octets) that no network on `hosts` (default: both test
    engines) overlaps: runs sharing the engines at once (make test's lanes, worktrees) never pick the
    same fixed subnet. Drawn from 10.224-254.*, outside both engines' address pools."""
    hosts = hosts or (
        "unix:///var/run/docker.sock",
        os.environ.get("DOCKER_HOST_2", "unix:///var/run/berth-docker2.sock"),
    )
    taken = []
    for host in hosts:
        ids = docker("network", "ls", "-q", host=host, check=False).split()
        if ids:
            subnets = docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", *ids, host=host,
                             check=False)  # fmt: skip
            taken += [ipaddress.ip_network(s, strict=False) for s in subnets.split() if "." in s]
    while True:
        prefix = f"10.{random.randint(224, 254)}.{random.randint(0, 255)}"
        candidate = ipaddress.ip_network(f"{prefix}.0/24")
        if not any(candidate.overlaps(other) for other in taken):
            return prefix


def remove_test_objects(host: str = "unix:///var/run/docker.sock") -> None:
    ids = docker("ps", "-aq", "--filter", f"label={TEST_LABEL}", host=host).split()
    if ids:
        docker("rm", "-f", *ids, host=host, check=False)
    for image in docker("images", "-q", "--filter", f"label={TEST_LABEL}", host=host).split():
        docker("rmi", "-f", image, host=host, check=False)
    for network in docker("network", "ls", "-q", "--filter", f"label={TEST_LABEL}", host=host).split():
        docker("network", "rm", network, host=host, check=False)
    for volume in docker("volume", "ls", "-q", "--filter", f"label={TEST_LABEL}", host=host).split():
        docker("volume", "rm", "-f", volume, host=host, check=False)
