"""Image archives between the browser and a host worker: uploads (build contexts, imports) go
into a blob the worker reads; an export's blob is streamed back as a download."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rest_framework.exceptions import ValidationError

from portal.hosts.broker import _redis
from portal.operations.choices import OperationKind, OperationState
from portal.operations.models import Operation
from portal.refusals import NotFound
from wire.blobs import BlobStore, new_blob_key

__all__ = ["blob_store", "export_chunks", "store_upload"]


def blob_store() -> BlobStore:
    return BlobStore(_redis())


def store_upload(kind: str, chunks: Iterable[bytes], limit: int, what: str) -> str:
    """Keep an upload as a blob for the worker; answers its key. Too big: a 400 naming the limit."""
    key = new_blob_key(kind)
    try:
        blob_store().write(key, chunks, limit=limit)
    except ValueError:
        raise ValidationError(
            {what: f"The {what} is larger than {limit // (1024 * 1024)} MB, the most this Berth accepts."},
            code="too_large",
        ) from None
    return key


def export_chunks(operation: Operation) -> tuple[Iterator[bytes], str]:
    if operation.kind != OperationKind.IMAGE_EXPORT:
        raise NotFound("Only an export operation has a download.")
    if operation.state != OperationState.SUCCEEDED:
        raise NotFound("This export has not finished (or it failed): there is nothing to download yet.")
    key = str(operation.result.get("blob") or "")
    store = blob_store()
    if not key or not store.exists(key):
        raise NotFound("This export's archive has expired: export the image again.")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(operation.result.get("name") or "image")).strip("_") or "image"
    return store.read(key), f"{name}.tar"
