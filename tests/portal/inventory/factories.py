"""Inventory reports as a host worker builds them: engine bodies read by engine.inventory, sent in
the envelope of workers.reports.Reporter, so the tests hold the portal to what workers send."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime

from engine.inventory import container_from_inspect, container_from_list, image_from_list, image_layers
from tests.portal.hosts.factories import FakeWorker

_numbers = itertools.count(1)

CREATED = "2030-01-01T11:00:00.123456789Z"
STARTED = "2030-01-01T11:00:01.5Z"
ZERO_TIME = "0001-01-01T00:00:00Z"


def engine_id(prefix: str = "") -> str:
    """A 64-hex id, like the engine's, made from `prefix` so a test can name it."""
    return hashlib.sha256(f"{prefix}-{next(_numbers)}".encode()).hexdigest()


def image_id(prefix: str = "") -> str:
    return f"sha256:{engine_id(prefix)}"


def container_inspect(
    container_id: str | None = None,
    name: str = "web",
    state: str = "running",
    image: str = "busybox:latest",
    exit_code: int = 0,
    started_at: str = STARTED,
    finished_at: str = ZERO_TIME,
    health: str | None = None,
    restart_count: int = 0,
    labels: dict | None = None,
    ports: dict | None = None,
) -> dict:
    """A `GET /containers/{id}/json` body as Docker 20.10 answers it (the parts Berth reads, and some)."""
    container_id = container_id or engine_id(name)
    body = {
        "Id": container_id,
        "Created": CREATED,
        "Path": "sleep",
        "Args": ["3600"],
        "State": {
            "Status": state,
            "Running": state in ("running", "paused", "restarting"),
            "Paused": state == "paused",
            "Restarting": state == "restarting",
            "ExitCode": exit_code,
            "StartedAt": started_at,
            "FinishedAt": finished_at,
        },
        "Image": "sha256:" + "b" * 64,
        "Name": f"/{name}",
        "RestartCount": restart_count,
        "HostConfig": {"RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "Privileged": False},
        "Mounts": [
            {"Type": "volume", "Name": "data", "Source": "/var/lib/docker/volumes/data/_data", "Destination": "/data"}
        ],
        "Config": {
            "Image": image,
            "Env": ["PATH=/bin"],
            "Cmd": ["sleep", "3600"],
            "Labels": labels or {},
        },
        "NetworkSettings": {
            "Ports": ports if ports is not None else {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]},
            "Networks": {"bridge": {"IPAddress": "172.17.0.2"}},
        },
    }
    if health:
        body["State"]["Health"] = {"Status": health, "FailingStreak": 0, "Log": []}
    return body


def container_record(container_id: str | None = None, name: str = "web", **inspect) -> dict:
    """A container as the worker sends it after inspecting it."""
    return container_from_inspect(container_inspect(container_id, name=name, **inspect)).as_dict()


def listed_container_record(container_id: str, name: str = "web", state: str = "running", **item) -> dict:
    """A container as the worker sends it from a listing only (`inspect` null)."""
    entry = {
        "Id": container_id,
        "Names": [f"/{name}"],
        "Image": "busybox:latest",
        "ImageID": "sha256:" + "b" * 64,
        "Command": "sleep 3600",
        "Created": int(datetime(2030, 1, 1, 11, tzinfo=UTC).timestamp()),
        "State": state,
        "Status": "Up 3 minutes",
        "Ports": [{"PrivatePort": 80, "PublicPort": 8080, "IP": "0.0.0.0", "Type": "tcp"}],
        "Labels": {},
        "NetworkSettings": {"Networks": {"bridge": {}}},
        "Mounts": [],
        **item,
    }
    return container_from_list(entry).as_dict()


def history_entry(created_by: str, size: int, created: int = 1_893_495_600) -> dict:
    return {"Id": "<missing>", "Created": created, "CreatedBy": created_by, "Size": size, "Comment": "", "Tags": None}


def image_record(
    engine_id_: str | None = None,
    tags: list[str] | tuple[str, ...] = ("busybox:latest",),
    digests: list[str] | tuple[str, ...] = (),
    diff_ids: list[str] | tuple[str, ...] | None = None,
    size: int = 1_000_000,
    with_layers: bool = True,
) -> dict:
    """An image as the worker sends it: listed, with its layers read from inspect and history
    (base first: `diff_ids`), or with layers null when `with_layers` is false."""
    engine_id_ = engine_id_ or image_id("image")
    record = image_from_list(
        {
            "Id": engine_id_,
            "RepoTags": list(tags) or ["<none>:<none>"],
            "RepoDigests": list(digests),
            "Size": size,
            "Created": 1_893_495_600,
            "Labels": {"org.example": "yes"},
            "ParentId": "",
        }
    )
    if with_layers:
        diff_ids = list(diff_ids) if diff_ids is not None else [f"sha256:{engine_id('layer')}"]
        history = [history_entry(f"/bin/sh -c #(nop) ADD file:{i} in /", 1000 * (i + 1)) for i in range(len(diff_ids))]
        history.append(history_entry('/bin/sh -c #(nop)  CMD ["sh"]', 0))
        inspect = {"Id": engine_id_, "RootFS": {"Type": "layers", "Layers": diff_ids}}
        record.layers = image_layers(inspect, list(reversed(history)))
    return record.as_dict()


class InventoryWorker(FakeWorker):
    """A host worker that also sends inventory reports."""

    def inventory(
        self,
        containers=(),
        images=(),
        removed_containers=(),
        removed_images=(),
        snapshot: dict | None = None,
        observed_seq: int | None = None,
    ) -> dict:
        """An inventory report; observed at its own seq unless `observed_seq` says earlier."""
        report = self.reporter.build(
            "inventory",
            inventory={
                "observed_seq": 0,
                "containers": list(containers),
                "images": list(images),
                "removed_containers": list(removed_containers),
                "removed_images": list(removed_images),
                "snapshot": snapshot,
            },
        )
        report["inventory"]["observed_seq"] = observed_seq if observed_seq is not None else report["seq"]
        return report

    def observe(self) -> int:
        """Take a number in the worker's sequence, as the worker does before a snapshot."""
        return self.reporter.build("heartbeat")["seq"]


def snapshot_of(container_ids=(), image_ids=()) -> dict:
    return {"container_ids": list(container_ids), "image_ids": list(image_ids)}
