"""Request bodies bounded per route, before Django reads them: Django's ASGI handler spools a
whole body to disk before any view runs, so a limit checked in a view comes too late.

The build and import routes allow their upload limit (BERTH_BUILD_CONTEXT_MAX_MB,
BERTH_IMPORT_MAX_MB) and a margin for the form around it; every other route BERTH_BODY_MAX_MB.
A body over its limit is refused with a 400 `too_large` whose sentence says the limit: at once
when its Content-Length says so, or as soon as the bytes received pass it (a chunked body).
"""

from __future__ import annotations

import json

from django.conf import settings

__all__ = ["BodyLimits", "limit_for"]

MB = 1024 * 1024
MARGIN = 1.02  # the multipart form around the file, and its other fields
UPLOAD_ROUTES = {
    "/api/v1/images/build/": ("BERTH_BUILD_CONTEXT_MAX_MB", "build context"),
    "/api/v1/images/import/": ("BERTH_IMPORT_MAX_MB", "image archive"),
}


def limit_for(path: str) -> tuple[int, str]:
    """The most bytes a body on `path` may have, and the sentence that refuses more."""
    if path in UPLOAD_ROUTES:
        setting, what = UPLOAD_ROUTES[path]
        mb = float(getattr(settings, setting))
        return int(mb * MB * MARGIN + MB), (
            f"The {what} is larger than {mb:g} MB, the most this Berth accepts ({setting})."
        )
    mb = float(settings.BERTH_BODY_MAX_MB)
    return int(mb * MB), f"The request is larger than {mb:g} MB, the most this Berth accepts for it."


class BodyLimits:
    """ASGI middleware around the HTTP application."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, sentence = limit_for(scope.get("path", ""))
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _refuse(send, sentence)
        received = 0
        over = False

        async def limited_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        started = False

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, tracked_send)
        if over and not started:
            await _refuse(send, sentence)


async def _refuse(send, sentence: str) -> None:
    body = json.dumps({"detail": sentence, "code": "too_large"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
