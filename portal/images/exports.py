"""An export's download: the image's tar read from its host as the browser takes it
(portal.images.transfers), once the export operation found the image there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from portal.images.transfers import export_body, user_slot
from portal.operations.choices import OperationKind, OperationState
from portal.operations.models import Operation
from portal.refusals import NotFound

__all__ = ["export_chunks"]


def export_chunks(operation: Operation, user) -> tuple[AsyncIterator[bytes], str]:
    if operation.kind != OperationKind.IMAGE_EXPORT:
        raise NotFound("Only an export operation has a download.")
    if operation.state != OperationState.SUCCEEDED:
        raise NotFound("This export has not finished (or it failed): there is nothing to download yet.")
    image = str(operation.result.get("name") or "")
    if not image:
        raise NotFound("This export names no image: export the image again.")
    operation.host.require_usable("its images cannot be downloaded now.")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", image).strip("_") or "image"
    slot = user_slot(user)  # the downloader's: a transfer counts against who moves it
    return export_body(slot, operation.host, image), f"{name}.tar"
