"""Image operations: pull, push, build, tag, remove, prune, save and load.

Streaming ones take `on_line(line)`, called with each decoded line of the engine's answer as
it arrives (see engine.progress for reading them); a failure the engine reports half-way
through a stream becomes OperationFailed like one it reports up front.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from engine.client import Engine
from engine.errors import OperationFailed, explain_text
from engine.progress import BuildLog, LayerBoard
from engine.reference import parse_reference

__all__ = [
    "build_image",
    "image_facts",
    "load_image",
    "prune_images",
    "pull_image",
    "push_image",
    "remove_image",
    "save_image",
    "tag_image",
]

Line = Callable[[dict], None]


def _follow(engine: Engine, stream: Iterable[dict], on_line: Line, board, subject: str) -> None:
    for line in engine.follow(stream, subject):
        board.apply(line)
        on_line(line)
        if board.error:
            break


def pull_image(engine: Engine, reference: str, on_line: Line, auth_config: dict | None = None) -> dict[str, Any]:
    """Pull `reference` (a tag defaults to latest, a digest pins it); answers the image id and digest."""
    ref = parse_reference(reference)
    tag = ref.digest or ref.tag_or_default
    board = LayerBoard()
    stream = engine.act(
        "pull", ref.repository, tag=tag, stream=True, decode=True, auth_config=auth_config or {}, subject=reference
    )
    _follow(engine, stream, on_line, board, reference)
    if board.error:
        raise explain_text(board.error, reference)
    image = engine.act("inspect_image", reference, subject=reference)
    digest = board.digest or _digest_of(image, ref.repository)
    return {"image_id": image["Id"], "digest": digest, "reference": reference}


def _digest_of(image: dict, repository: str) -> str:
    for digest in image.get("RepoDigests") or []:
        if digest.startswith(repository + "@"):
            return digest.split("@", 1)[1]
    return ""


def push_image(engine: Engine, reference: str, on_line: Line, auth_config: dict | None = None) -> dict[str, Any]:
    """Push the image named `reference` (which must exist on the host under that name)."""
    ref = parse_reference(reference)
    board = LayerBoard()
    stream = engine.act(
        "push",
        ref.repository,
        tag=ref.tag_or_default,
        stream=True,
        decode=True,
        auth_config=auth_config or {},
        subject=reference,
    )
    _follow(engine, stream, on_line, board, reference)
    if board.error:
        raise explain_text(board.error, reference)
    return {"reference": reference, "digest": board.digest}


def build_image(
    engine: Engine,
    context: IO[bytes],
    on_line: Line,
    *,
    tag: str = "",
    buildargs: dict[str, str] | None = None,
    dockerfile: str = "Dockerfile",
    gzip: bool = False,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build from a context tar (gzip-compressed when `gzip`). A failed step raises with the step named."""
    log = BuildLog()
    stream = engine.act(
        "build",
        fileobj=context,
        custom_context=True,
        encoding="gzip" if gzip else None,
        tag=tag or None,
        buildargs=buildargs or None,
        dockerfile=dockerfile or "Dockerfile",
        labels=labels or None,
        rm=True,
        forcerm=True,
        decode=True,
        subject=tag or "the image",
    )
    for line in engine.follow(stream, tag or "the image"):
        log.apply(line)
        on_line(line)
        if log.error:
            break
    if log.error:
        failed = explain_text(log.error, tag)
        if failed.code == "engine_error" and log.step:
            raise OperationFailed(f"{log.step} failed: {log.error}", "build_step_failed")
        raise failed
    if not log.image_id:
        raise OperationFailed("The build ended without making an image.", "build_failed")
    return {"image_id": log.image_id, "tag": tag, "step": log.step}


def tag_image(engine: Engine, image_id: str, repository: str, tag: str) -> dict[str, Any]:
    engine.act("tag", image_id, repository, tag=tag or "latest", force=True, subject=f"{repository}:{tag}")
    return {"image_id": image_id, "reference": f"{repository}:{tag or 'latest'}"}


def remove_image(engine: Engine, name: str, force: bool = False) -> dict[str, Any]:
    """Remove an image by id, or untag one name (`repository:tag`): the image stays if other names remain."""
    removed = engine.act("remove_image", name, force=bool(force), subject=name) or []
    return {
        "untagged": [r["Untagged"] for r in removed if "Untagged" in r],
        "deleted": [r["Deleted"] for r in removed if "Deleted" in r],
    }


def prune_images(engine: Engine) -> dict[str, Any]:
    """Remove dangling images (no tag, used by no container)."""
    answer = engine.act("prune_images", filters={"dangling": True}, subject="dangling images") or {}
    deleted = [d["Deleted"] for d in answer.get("ImagesDeleted") or [] if "Deleted" in d]
    return {"deleted": deleted, "space_reclaimed": int(answer.get("SpaceReclaimed") or 0)}


def image_facts(engine: Engine, name: str) -> dict[str, Any]:
    """The image's id and size (bytes), or OperationFailed when the engine has no such image."""
    image = engine.act("inspect_image", name, subject=name) or {}
    return {"id": image.get("Id", ""), "size": int(image.get("Size") or 0)}


def save_image(engine: Engine, name: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """`docker save`: the image as a tar, in chunks."""
    return engine.follow(engine.act("get_image", name, chunk_size=chunk_size, subject=name), name)


def load_image(engine: Engine, data: Iterable[bytes] | bytes) -> dict[str, Any]:
    """`docker load`: images from a tar made by `docker save`; answers the names and ids loaded."""
    loaded, error = [], ""
    for line in engine.follow(engine.act("load_image", data, subject="the archive") or [], "the archive"):
        if line.get("error"):
            error = str(line["error"])
        stream = str(line.get("stream") or "").strip()
        for prefix in ("Loaded image: ", "Loaded image ID: "):
            if stream.startswith(prefix):
                loaded.append(stream[len(prefix) :])
    if error:
        raise OperationFailed(f"The archive could not be loaded: {error}", "invalid_archive")
    if not loaded:
        raise OperationFailed("The archive holds no image: make it with docker save or Berth's export.", "no_image")
    return {"loaded": loaded}
