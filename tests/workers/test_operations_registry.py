"""Pull and push through the host worker's operation kinds, against the real registry with
htpasswd auth: with credentials they work with per-layer progress; without, they fail saying
authentication is required."""

import uuid

import pytest

from engine import Engine
from engine.errors import OperationFailed
from tests.support.docker_cli import docker, remove_test_objects
from tests.support.registry import AUTH, REGISTRY, build_layered_image
from wire.stream_signing import new_stream_key
from workers.operations.feed import ProgressFeed
from workers.operations.kinds import KINDS, Context

pytestmark = pytest.mark.integration


class Recorder:
    def __init__(self):
        self.messages, self.snapshots = [], {}

    def send(self, group, message):
        self.messages.append(message)

    def store(self, key, text, ttl):
        self.snapshots[key] = text


@pytest.fixture
def engine():
    engine = Engine("unix:///var/run/docker.sock", timeout=300)
    yield engine
    engine.close()
    remove_test_objects()


@pytest.fixture
def blobs(redis_client):
    return redis_client  # what a kind reads its uploads through (wire.transfers)


def run_kind(kind, engine, params, blobs, auth=None):
    recorder = Recorder()
    feed = ProgressFeed(1, "web-1", recorder.send, recorder.store, interval=0.05, key=new_stream_key())
    try:
        result = KINDS[kind](engine, params, Context(feed, blobs, auth))
    finally:
        feed.close()
    return result, recorder


@pytest.fixture
def pushed(engine, blobs):
    """A three-layer image pushed to the registry with credentials (by the worker's push)."""
    reference = f"{REGISTRY}/berth-test/ops-{uuid.uuid4().hex[:8]}:1"
    build_layered_image(reference)
    result, recorder = run_kind("image.push", engine, {"reference": reference}, blobs, AUTH)
    yield reference, result, recorder
    docker("rmi", "-f", reference, check=False)


def test_push_with_credentials_reports_each_layer(pushed):
    _, result, recorder = pushed

    assert result["digest"].startswith("sha256:")
    layers = {layer["id"]: layer for m in recorder.messages for layer in m["layers"]}
    assert len(layers) >= 4  # busybox + three RUN layers
    assert all(layer["phase"] == "done" for layer in layers.values())


def test_pull_with_credentials_reports_bytes_per_layer(pushed, engine, blobs):
    reference, _, _ = pushed
    docker("rmi", "-f", reference)

    result, recorder = run_kind("image.pull", engine, {"reference": reference}, blobs, AUTH)

    assert result["image_id"].startswith("sha256:")
    final = {layer["id"]: layer for m in recorder.messages for layer in m["layers"]}
    pulled = [layer for layer in final.values() if layer["status"] != "Already exists"]
    assert len(pulled) == 3
    assert all(layer["phase"] == "done" and layer["total"] > 0 for layer in pulled), pulled
    assert docker("image", "inspect", "-f", "{{.Id}}", reference) == result["image_id"]


def test_pull_without_credentials_says_authentication_is_required(pushed, engine, blobs):
    reference, _, _ = pushed
    docker("rmi", "-f", reference)

    with pytest.raises(OperationFailed) as failed:
        run_kind("image.pull", engine, {"reference": reference}, blobs, None)

    assert failed.value.code == "auth_required"
    assert "authentication required" in failed.value.message


def test_push_without_credentials_says_authentication_is_required(engine, blobs):
    reference = build_layered_image(f"{REGISTRY}/berth-test/ops-{uuid.uuid4().hex[:8]}:1", layers=1, size_kb=4)
    try:
        with pytest.raises(OperationFailed) as failed:
            run_kind("image.push", engine, {"reference": reference}, blobs, None)
    finally:
        docker("rmi", "-f", reference, check=False)

    assert failed.value.code == "auth_required"
    assert "authentication required" in failed.value.message


def test_wrong_password_is_refused(pushed, engine, blobs):
    reference, _, _ = pushed
    docker("rmi", "-f", reference)

    with pytest.raises(OperationFailed) as failed:
        run_kind("image.pull", engine, {"reference": reference}, blobs, {**AUTH, "password": "wrong"})

    assert failed.value.code in ("auth_required", "auth_refused")


def test_unknown_tag_is_not_found(pushed, engine, blobs):
    reference, _, _ = pushed

    with pytest.raises(OperationFailed) as failed:
        run_kind("image.pull", engine, {"reference": reference.rsplit(":", 1)[0] + ":nope"}, blobs, AUTH)

    assert failed.value.code == "image_not_found"


def test_unreachable_registry_is_said_so(engine, blobs):
    with pytest.raises(OperationFailed) as failed:
        run_kind("image.pull", engine, {"reference": "127.0.0.1:5999/nothing/here:1"}, blobs, None)

    assert failed.value.code == "registry_unreachable"
    assert "cannot be reached" in failed.value.message
