"""What each kind of operation does on the host: a function of (engine, params, context)
answering the operation's result. The parameters were validated by the portal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from engine.client import Engine
from engine.containers import commit_container, lifecycle, run_container
from engine.errors import OperationFailed
from engine.images import (
    build_image,
    image_facts,
    load_image,
    prune_images,
    pull_image,
    push_image,
    remove_image,
    tag_image,
)
from engine.networks import connect_container, create_network, disconnect_container, prune_networks, remove_network
from engine.reference import parse_reference
from engine.volumes import create_volume, prune_volumes, remove_volume, volume_host_path
from wire.dangers import DANGEROUS_OPTION, admin_only_sentence, volume_label
from wire.run_spec import RunSpec
from wire.transfers import PipeReader, Transfer
from workers.operations.feed import ProgressFeed
from workers.operations.stacks import STACK_KINDS

__all__ = ["KINDS", "Context"]


@dataclass
class Context:
    """What an operation has besides its parameters. `auth_config` lives only as long as the task."""

    feed: ProgressFeed
    redis: redis.Redis  # for the uploads a kind reads (wire.transfers)
    auth_config: dict | None = None

    def upload(self, transfer_id: str) -> PipeReader:
        """What the web process sends, read as it comes (a window at a time)."""
        return PipeReader(Transfer(self.redis, transfer_id))


def _pull(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    return pull_image(engine, params["reference"], ctx.feed.image_line, ctx.auth_config)


def _push(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    reference = params["reference"]
    if params.get("image_id"):
        ref = parse_reference(reference)
        tag_image(engine, params["image_id"], ref.repository, ref.tag_or_default)
    return push_image(engine, reference, ctx.feed.image_line, ctx.auth_config)


def _build(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    context = ctx.upload(params["context_transfer"])
    try:
        return build_image(
            engine,
            context,
            ctx.feed.build_line,
            tag=params.get("tag") or "",
            buildargs=params.get("buildargs") or None,
            dockerfile=params.get("dockerfile_path") or "Dockerfile",
            gzip=bool(params.get("gzip")),
            labels=params.get("labels") or None,
        )
    finally:
        context.close()  # a build that stopped early tells the web process to stop sending


def _run(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    def pull_first(reference: str) -> dict:
        ctx.feed.note(f"Image {reference} is not on this host: pulling it first.")
        return pull_image(engine, reference, ctx.feed.image_line, ctx.auth_config)

    spec = RunSpec.from_wire(params["spec"])
    if not params.get("dangerous_allowed"):
        refuse_host_volumes(engine, spec)
    return run_container(engine, spec, pull_first)


def refuse_host_volumes(engine: Engine, spec: RunSpec) -> None:
    """The portal cannot see a named volume's driver options, so it judged every other dangerous
    option and says in `dangerous_allowed` whether the user may use them here; this host judges
    the volumes, before anything is created, in the portal's words."""
    found = []
    for volume in spec.volumes:
        if volume.type == "volume" and (path := volume_host_path(engine, volume.source)):
            found.append(volume_label(volume.source, path))
    if found:
        raise OperationFailed(admin_only_sentence(found), DANGEROUS_OPTION)


def _lifecycle(action: str) -> Callable[[Engine, dict, Context], dict]:
    def act(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
        options = {k: v for k, v in params.items() if k not in ("container_id", "subject")}
        return lifecycle(engine, action, params["container_id"], params.get("subject", ""), **options)

    return act


def _commit(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    options = {k: params.get(k) for k in ("repository", "tag", "message", "author")}
    return commit_container(engine, params["container_id"], params.get("subject", ""), **options)


def _export(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    """Checks the image is there; its tar is read from the engine only when it is downloaded
    (workers.operations.exports), as the browser takes it."""
    image = image_facts(engine, params["name"])
    return {"size": image["size"], "name": params["name"]}


def _import(engine: Engine, params: dict, ctx: Context) -> dict[str, Any]:
    archive = ctx.upload(params["archive_transfer"])
    try:
        return load_image(engine, iter(archive))
    finally:
        archive.close()


KINDS: dict[str, Callable[[Engine, dict, Context], dict]] = {
    "image.pull": _pull,
    "image.push": _push,
    "image.build": _build,
    "image.tag": lambda e, p, c: tag_image(e, p["image_id"], p["repository"], p.get("tag") or "latest"),
    "image.remove": lambda e, p, c: remove_image(e, p["name"], force=bool(p.get("force"))),
    "image.prune": lambda e, p, c: prune_images(e),
    "image.export": _export,
    "image.import": _import,
    "network.create": lambda e, p, c: create_network(e, p),
    "network.remove": lambda e, p, c: remove_network(e, p["network_id"], p.get("subject", "")),
    "network.prune": lambda e, p, c: prune_networks(e),
    "network.connect": lambda e, p, c: connect_container(e, p),
    "network.disconnect": lambda e, p, c: disconnect_container(e, p),
    "volume.create": lambda e, p, c: create_volume(
        e, p.get("name") or "", p.get("driver") or "local", p.get("driver_opts") or {}, p.get("labels") or {}
    ),
    "volume.remove": lambda e, p, c: remove_volume(
        e, p["name"], force=bool(p.get("force")), container_ids=p.get("container_ids") or []
    ),
    "volume.prune": lambda e, p, c: prune_volumes(e, everything=bool(p.get("all"))),
    "container.run": _run,
    "container.commit": _commit,
    **STACK_KINDS,
    **{
        f"container.{action}": _lifecycle(action)
        for action in ("start", "stop", "restart", "kill", "pause", "unpause", "rename", "remove")
    },
}
