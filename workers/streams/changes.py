"""`changes.open`: a container's changes (`docker diff`), asked by the web side's StreamClient
(portal.containers.diff) like any other stream: READY, the changes in chunks of {"changes": […]}
(or one {"error", "code"} when the engine refused), then END."""

from __future__ import annotations

from engine import EngineUnavailable
from engine.containers import container_changes
from engine.errors import OperationFailed
from workers.streams.engine_session import EngineSession

__all__ = ["ChangesSession"]

# Paths per chunk: a big layer's changes travel in several messages, none of them huge.
PATHS_PER_CHUNK = 2000


class ChangesSession(EngineSession):
    kind = "changes"

    async def produce(self) -> tuple[int | None, str]:
        subject = str(self.request.get("subject") or "")
        try:
            changes = await self.on_threads(container_changes, self.engine, self.container, subject)
        except OperationFailed as exc:
            await self.emit({"error": exc.message, "code": exc.code})
        except EngineUnavailable as exc:
            await self.emit({"error": str(exc), "code": "engine_unavailable"})
        else:
            for start in range(0, max(len(changes), 1), PATHS_PER_CHUNK):
                await self.emit({"changes": changes[start : start + PATHS_PER_CHUNK]})
        return None, "The changes were sent."
