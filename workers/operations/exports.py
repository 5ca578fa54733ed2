"""An image's tar for a download: `docker save` read from the engine as the web process takes it
(wire.transfers), asked for by the download request on the host's stream channel.

The export operation only checked that the image is there (workers.operations.kinds); reading
the tar here, at download time, means it is never kept whole anywhere, and a browser that goes
away stops the engine's read within one window.
"""

from __future__ import annotations

import asyncio
import logging

import redis

from engine import Engine, EngineUnavailable
from engine.errors import OperationFailed
from engine.images import save_image
from wire.stream_signing import StreamKey, open_stream_key
from wire.transfers import EXPORT_REQUEST, Transfer, TransferAborted
from workers.streams.loop import StreamLoop

__all__ = ["register_export_sender"]

log = logging.getLogger(__name__)

ENGINE_TIMEOUT = 600.0


def send_export(docker_host: str, client: redis.Redis, transfer_id: str, image: str, key: StreamKey) -> None:
    transfer = Transfer(client, transfer_id, key=key)
    engine = Engine(docker_host, timeout=ENGINE_TIMEOUT)
    try:
        size = transfer.write(save_image(engine, image), peer="web process")
        log.info("Sent the export of %s (%d bytes)", image, size)
    except TransferAborted as exc:
        log.info("The download of %s stopped: %s", image, exc)
        transfer.discard()
    except (OperationFailed, EngineUnavailable) as exc:
        log.info("The export of %s failed: %s", image, exc)  # the reader has the sentence (Transfer.write)
    except Exception:
        log.exception("The export of %s failed unexpectedly", image)
    finally:
        engine.close()


def register_export_sender(streams: StreamLoop, docker_host: str, client: redis.Redis) -> None:
    """Serves EXPORT_REQUEST on the stream loop; each send runs in a thread of the loop's executor
    (the engine's reads and Redis's waits block)."""

    async def handle(request: dict) -> None:
        transfer_id, image = str(request.get("transfer", "")), str(request.get("image", ""))
        if not transfer_id or not image:
            log.warning("Dropped an export request without a transfer or an image")
            return
        if (key := open_stream_key(streams.keys, request)) is None:
            log.error("Refused an export request: its key is not sealed to this host")
            return
        await asyncio.get_running_loop().run_in_executor(
            None, send_export, docker_host, client, transfer_id, image, key
        )

    streams.register(EXPORT_REQUEST, handle)
