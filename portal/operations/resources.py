"""What the resource apps tell the operations service, so that it can name their objects without
importing them (operations sits below containers and images, which call it):

- the model behind each target type ("container", "image"), so an operation's answer gives the
  Berth id of what it made or acted on (portal.operations.api.serializers);
- how an operation kind's result is downloaded (an image export's tar);
- what an app does when an operation of its kinds ends (a stack's deploy marks its version).

Each app registers in its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

from django.db.models import Model

from portal.refusals import NotFound

__all__ = ["TARGET_MODELS", "download_for", "finish", "register_download", "register_finish", "register_target"]

TARGET_MODELS: dict[str, type[Model]] = {}
Download = Callable[[object, object], tuple[Iterator[bytes] | AsyncIterator[bytes], str]]
_DOWNLOADS: dict[str, Download] = {}
_FINISHERS: list[tuple[str, Callable[[object], None]]] = []


def register_target(target_type: str, model: type[Model]) -> None:
    TARGET_MODELS[target_type] = model


def register_download(kind: str, download: Download) -> None:
    """`download(operation, user)` answers (chunks, filename), or refuses (NotFound) with a sentence."""
    _DOWNLOADS[kind] = download


def download_for(operation, user) -> tuple[Iterator[bytes] | AsyncIterator[bytes], str]:
    download = _DOWNLOADS.get(operation.kind)
    if download is None:
        raise NotFound("Only an export operation has a download.")
    return download(operation, user)


def register_finish(kind_prefix: str, on_end: Callable[[object], None]) -> None:
    """`on_end(operation)` runs when an operation whose kind starts with `kind_prefix` has ended,
    inside the transaction that records its end (it may change the operation before it is saved)."""
    _FINISHERS.append((kind_prefix, on_end))


def finish(operation) -> None:
    for prefix, on_end in _FINISHERS:
        if operation.kind.startswith(prefix):
            on_end(operation)
