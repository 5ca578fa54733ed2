"""What auth_config_for returns is what a real Docker engine needs to push to and pull from the
private registry — passed with the one call, never written to a config file."""

import os
import uuid
from pathlib import Path

import docker
import pytest

from portal.registries.auth import auth_config_for
from tests.portal.factories import make_binding, make_host, make_team, make_user
from tests.support.docker_cli import IMAGE

from .conftest import REGISTRY, make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine():
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST_1", "unix:///var/run/docker.sock"))
    yield client
    client.close()


def test_a_developer_pushes_and_pulls_with_the_teams_credentials(engine):
    dev = make_user()
    team = make_team(dev)
    make_binding(team, "developer", make_host())
    registry = make_registry(team=team)
    repository = f"{REGISTRY}/berth-test-{uuid.uuid4().hex[:8]}/busybox"
    docker_config = Path.home() / ".docker" / "config.json"
    config_before = docker_config.read_text() if docker_config.exists() else None
    auth = auth_config_for(dev, registry.pk)
    engine.images.get(IMAGE).tag(repository, "1")
    try:
        pushed = list(engine.images.push(repository, "1", auth_config=auth, stream=True, decode=True))
        engine.images.remove(f"{repository}:1")

        pulled = engine.images.pull(repository, "1", auth_config=auth)

        assert not [line for line in pushed if "error" in line], pushed
        assert f"{repository}:1" in pulled.tags
        wrong = {**auth, "password": "wrong"}
        with pytest.raises(docker.errors.APIError):
            engine.images.pull(repository, "1", auth_config=wrong)
        assert (docker_config.read_text() if docker_config.exists() else None) == config_before
    finally:
        engine.images.remove(f"{repository}:1", force=True)
