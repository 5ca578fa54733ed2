"""`/ws/containers/{id}/terminal/` and `/ws/containers/{id}/attach/`: a shell or the main process in a browser.

Binary frames carry raw terminal bytes both ways. Text frames carry JSON control: from the
client resize, pause, resume, ping; to it ready, exit, error, pong. With `?raw=1` every
frame is terminal data both ways, the size comes from `cols`/`rows` at connect, and the end
is a close whose reason holds the exit code ("exit 0").

Every byte passes here, so the session is recorded here (asciicast v2, portal.terminals.recording)
and audited (start and end). Refusals (4401/4403/4404/4409/4503) come before any byte flows.

A dropped connection (any close but a clean 1000 from the browser) does not end the session: its
process runs on for BERTH_TERMINAL_GRACE_SECONDS (or less: `?grace=`), and the same user may
resume it with `?session=<id>&offset=<output bytes the browser has>` (the policy asked again).
Every ready message says how long that wait is (`"grace"`, seconds). A resumed one says
`"resumed": true`, the `offset` its bytes start at (and `"reset": true` when they start later
than asked: clear the screen), and then the output goes on, nothing lost or repeated
(wire.stream_resume). Nobody back within the grace: the host ends the process, the sweep the
record (portal.terminals.housekeeping).

Others may watch the session (portal.terminals.watch_consumer): the owner is sent
`{"type": "watchers", "watchers": [names]}` whenever that changes, each join and leave is written
into the recording as a marker, and an admin who ends the session (POST .../end/) closes it
with 4403 and a sentence saying who.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
import uuid
from datetime import timedelta
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.access.dangerous import inside_refusal
from portal.access.policy import can
from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.containers.checks import require_streamable
from portal.containers.models import Container
from portal.refusals import NotFound, Refusal
from portal.terminals.choices import SessionKind
from portal.terminals.events import publish_session
from portal.terminals.housekeeping import ALIVE_EVERY
from portal.terminals.models import TerminalSession
from portal.terminals.recording import Recorder, recordings_dir
from portal.terminals.watching import owner_group, watcher_names
from portal.ws.consumers import CLOSE_FORBIDDEN, REDIS_LOST_REASON
from portal.ws.streams import StreamConsumer
from wire import streams as m
from wire.layer import URGENT
from wire.stream_resume import MAX_GRACE

__all__ = ["AttachConsumer", "TerminalConsumer"]

log = logging.getLogger(__name__)

EXEC = "container.exec"
# Input typed before the host worker answered is kept (up to this much) and sent on READY.
EARLY_INPUT_LIMIT = 64 * 1024
MAX_SIZE = 1000
# The biggest frame a browser may send (a paste, say): a bigger one closes the session with
# 1009 (message too big) and a sentence, before it is recorded or sent on.
MAX_FRAME_BYTES = 1024 * 1024
CLOSE_TOO_BIG = 1009
# The one close that ends a session at once: the browser closed it on purpose.
CLOSE_ON_PURPOSE = 1000


def _number(values: list[str] | None, default: float, most: float) -> float:
    try:
        return max(0.0, min(float(values[0]), most)) if values else default
    except ValueError:
        return default


def _int(values: list[str] | None, default: int) -> int:
    try:
        return max(1, min(int(values[0]), MAX_SIZE)) if values else default
    except ValueError:
        return default


class TerminalConsumer(StreamConsumer):
    kind = SessionKind.TERMINAL

    session: TerminalSession | None = None
    recorder: Recorder | None = None

    async def start(self):
        query = parse_qs(self.scope.get("query_string", b"").decode(errors="replace"))
        self.raw = query.get("raw", ["0"])[0] in ("1", "true", "yes")
        self.cols, self.rows = _int(query.get("cols"), 80), _int(query.get("rows"), 24)
        self.command = self._command(query.get("cmd", [""])[0])
        self.exec_user = query.get("user", [""])[0].strip()[:100]
        self.early_input: list[bytes] = []
        self.ended = False
        most = settings.BERTH_TERMINAL_GRACE_SECONDS
        self.grace = _number(query.get("grace"), most, min(most, MAX_GRACE))
        # Output bytes: the number of the next one to arrive, and how many are recorded already.
        self.offset = self.recorded = 0

        container = await self._container()
        await require_streamable(container)
        self.container = container
        self.container_pk, self.host_id = container.pk, container.host_id
        if resumed := query.get("session", [""])[0].strip():
            await self._resume(container, resumed, int(_number(query.get("offset"), 0, 2**62)))
            return
        self.session = await database_sync_to_async(self._begin)(container)
        await self.join(owner_group(self.session.pk))
        self._alive = self.background(self._keep_alive())
        await self.open_stream(
            self.kind,
            container.host,
            container.engine_id,
            cmd=self.command,
            user=self.exec_user,
            cols=self.cols,
            rows=self.rows,
        )

    def _command(self, text: str) -> list[str] | None:
        if self.kind != SessionKind.TERMINAL or not text.strip():
            return None
        try:
            return shlex.split(text)
        except ValueError:
            raise Refusal("The command has an unmatched quote.") from None

    async def _container(self) -> Container:
        pk = self.scope["url_route"]["kwargs"]["pk"]

        def find():
            visible = Container.objects.restrict(self.access, "container.view").select_related("host")
            container = visible.filter(pk=pk).first()
            if container is not None:
                _ = container.dangers  # read here, where the database may be asked, for `can` below
            return container

        container = await database_sync_to_async(find)()
        if container is None:
            raise NotFound("No such container, or it is not visible to you.")
        if not can(self.access, EXEC, container):
            raise inside_refusal(container)  # audited as a denied attempt (portal/ws/consumers.py)
        return container

    def _client_ip(self) -> str | None:
        client = self.scope.get("client")
        return client[0] if client else None

    def _begin(self, container: Container) -> TerminalSession:
        user = self.scope["user"]
        now = timezone.now()
        relative = f"{now:%Y/%m}/{uuid.uuid4().hex}.cast"
        command = shlex.join(self.command) if self.command else ""
        session = TerminalSession.objects.create(
            kind=self.kind,
            user=user,
            username=user.get_username(),
            host=container.host,
            host_name=container.host.name,
            container=container,
            container_name=container.name,
            container_engine_id=container.engine_id,
            command=command,
            exec_user=self.exec_user,
            source_ip=self._client_ip(),
            started_at=now,
            alive_at=now,
            recording=relative,
        )
        self.recorder = Recorder(
            recordings_dir() / relative,
            cols=self.cols,
            rows=self.rows,
            max_bytes=settings.BERTH_RECORDING_MAX_BYTES,
            title=f"{container.name} on {container.host.name}",
            command=command,
        )
        record(
            f"{self.kind}.start",
            user=user,
            target=container,
            host=container.host,
            source_ip=session.source_ip,
            detail={"session": session.pk, "command": command, "user": self.exec_user},
        )
        publish_session(session, started=True)
        return session

    async def _resume(self, container: Container, pk: str, offset: int) -> None:
        """Takes up the user's own session `pk` on this container, left when its browser dropped."""
        session = await database_sync_to_async(self._rejoin)(container, pk)
        if session is None:
            raise NotFound("No such session to resume: it ended, or it is not yours.")
        self.session = session
        await self.join(owner_group(session.pk))
        self._alive = asyncio.get_running_loop().create_task(self._keep_alive())
        await self.resume_stream(self.kind, container.host, session.stream_channel, offset)

    def _rejoin(self, container: Container, pk: str) -> TerminalSession | None:
        user = self.scope["user"]
        mine = TerminalSession.objects.filter(user=user, container=container, kind=self.kind, ended_at=None)
        waiting = Q(detached_until=None) | Q(detached_until__gte=timezone.now())  # past it, the host ended it
        session = mine.exclude(stream_channel="").filter(waiting, pk=int(pk) if pk.isdigit() else None).first()
        if session is None:
            return None
        self.recorded = session.output_offset
        self.recorder = Recorder(
            recordings_dir() / session.recording,
            cols=self.cols,
            rows=self.rows,
            max_bytes=settings.BERTH_RECORDING_MAX_BYTES,
            started_at=session.started_at.timestamp(),
            truncated=session.recording_truncated,
        )
        TerminalSession.objects.filter(pk=session.pk).update(detached_until=None, alive_at=timezone.now())
        record(
            f"{self.kind}.resume",
            user=user,
            target=container,
            host=container.host,
            source_ip=self._client_ip(),
            detail={"session": session.pk},
        )
        return session

    # -- from the worker --------------------------------------------------------------------------

    async def stream_opened(self, message):
        if message.get("resumed"):
            self.offset = int(message.get("offset") or 0)
            if not self.raw:
                await self.send_json(
                    {
                        "type": "ready",
                        "session": self.session.pk,
                        "resumed": True,
                        "offset": self.offset,
                        "reset": bool(message.get("reset")),
                        "grace": self.grace,
                    }
                )
                await self._send_watchers(only_if_any=True)
            return
        changes = {"stream_channel": message["channel"]}
        if message.get("command") and not self.session.command:
            self.session.command = changes["command"] = shlex.join(message["command"])
        await database_sync_to_async(TerminalSession.objects.filter(pk=self.session.pk).update)(**changes)
        if not self.raw:
            await self.send_json({"type": "ready", "session": self.session.pk, "grace": self.grace})
        early, self.early_input = b"".join(self.early_input), []
        if early:
            await self.send_to_stream(m.INPUT, data=early, **{URGENT: True})

    async def stream_output(self, data, seq):
        end = self.offset + len(data)
        if end > self.recorded:  # a replay after a resume is recorded once
            self.recorder.output(data[max(0, self.recorded - self.offset) :])
            self.recorded = end
        self.offset = end
        await self.send(bytes_data=data)

    async def stream_outputs(self, outputs):
        # Chunks that waited together are bytes in a row of one stream: one frame, one record.
        if len(outputs) == 1:
            await self.stream_output(outputs[0].data, outputs[0].seq)
        else:
            await self.stream_output(b"".join(output.data for output in outputs), outputs[-1].seq)

    # -- from watchers and admins (portal.terminals.watching) -------------------------------------

    async def terminal_watchers(self, message):
        if self.session is None or self.ended:
            return
        self.recorder.marker(f"{message.get('user', '')} {message.get('event', '')} watching")
        await self._send_watchers()

    async def _send_watchers(self, only_if_any: bool = False) -> None:
        if self.raw:
            return
        names = await database_sync_to_async(watcher_names)(self.session.pk)
        if names or not only_if_any:
            await self.send_json({"type": "watchers", "watchers": names})

    async def terminal_end(self, message):
        if self.session is None or self.ended:
            return
        reason = f"{message.get('user', '')} ended this session."
        self.recorder.marker(reason)
        await self._finish(None, reason)
        if not self.raw:
            await self.send_json({"type": "error", "message": reason})
        await self.end(CLOSE_FORBIDDEN, reason)

    async def stream_resumed_elsewhere(self, message):
        # The session goes on in the other connection, which records and ends it.
        self.ended = True
        if alive := getattr(self, "_alive", None):
            alive.cancel()
        await database_sync_to_async(self.recorder.close)()
        if not self.raw:
            await self.send_json({"type": "error", "message": message})
        await super().end(4409, message[:120])

    async def stream_ended(self, code, reason):
        await self._finish(code, reason)
        if self.raw:
            await self.end(1000, f"exit {code}" if code is not None else reason[:120])
            return
        await self.send_json({"type": "exit", "code": code})
        await self.end(1000, reason[:120])

    async def stream_failed(self, message):
        if self.stream_channel is None and self.session is not None and self.session.stream_channel:
            message = "The session could not be resumed: it is no longer running on its host."
        await self._finish(None, message)
        if not self.raw:
            await self.send_json({"type": "error", "message": message})
        await self.end(1011, message[:120])

    # -- from the browser -------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        size = len(bytes_data) if bytes_data is not None else len((text_data or "").encode())
        if size > MAX_FRAME_BYTES:
            await self._too_big(size)
            return
        if self.session is None or self.ended:
            return
        if bytes_data is not None:
            await self._input(bytes_data)
        elif self.raw:
            await self._input(text_data.encode())
        else:
            await self._control(text_data)

    async def _too_big(self, size: int) -> None:
        message = f"A terminal frame may hold at most 1 MiB; this one held {size:,} bytes. The session is closed."
        if not self.raw:
            await self.send_json({"type": "error", "message": message})
        await self.end(CLOSE_TOO_BIG, message)

    async def _input(self, data: bytes) -> None:
        if not data:
            return
        self.recorder.input(data)
        if self.stream_channel is None:
            if sum(map(len, self.early_input)) + len(data) <= EARLY_INPUT_LIMIT:
                self.early_input.append(data)
            return
        # Typed: ahead of the acks that the session's (and other sessions') output queues (wire.layer).
        await self.send_to_stream(m.INPUT, data=data, **{URGENT: True})

    async def _control(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message["type"]
        except (ValueError, KeyError, TypeError):
            await self.send_json({"type": "error", "message": "Text frames must be JSON control messages."})
            return
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resize":
            try:
                cols = max(1, min(int(message["cols"]), MAX_SIZE))
                rows = max(1, min(int(message["rows"]), MAX_SIZE))
            except (KeyError, TypeError, ValueError):
                await self.send_json({"type": "error", "message": "A resize needs whole numbers cols and rows."})
                return
            self.cols, self.rows = cols, rows
            self.recorder.resize(cols, rows)
            await self.send_to_stream(m.RESIZE, cols=cols, rows=rows)
        elif kind == "pause":
            await self.send_to_stream(m.PAUSE)
        elif kind == "resume":
            await self.send_to_stream(m.RESUME)
        else:
            await self.send_json({"type": "error", "message": f"Unknown control message {kind!r}."})

    # -- the end ----------------------------------------------------------------------------------

    async def still_allowed(self) -> bool:
        # The container as it was at connect: its configuration (hence its danger) cannot change.
        return can(self.access, EXEC, getattr(self, "container", None) or getattr(self, "host_id", None))

    async def access_changed(self) -> None:
        container = getattr(self, "container", None)
        if container is None or not container.dangers or await self.still_allowed():
            await super().access_changed()
            return
        refusal = inside_refusal(container)
        await self.end(refusal.close_code, refusal.close_reason)

    async def _keep_alive(self) -> None:
        """Says the session is still served, so the sweep leaves it open."""
        refresh = database_sync_to_async(
            lambda: TerminalSession.objects.filter(pk=self.session.pk, ended_at=None).update(alive_at=timezone.now())
        )
        while True:
            await asyncio.sleep(ALIVE_EVERY)
            try:
                await refresh()
            except Exception as exc:  # the database is away: the next turn tries again
                log.warning("Could not refresh terminal session %s: %s", self.session.pk, exc)

    async def _finish(self, code: int | None, reason: str) -> None:
        if self.session is None or self.ended:
            return
        self.ended = True
        if alive := getattr(self, "_alive", None):
            alive.cancel()
        await database_sync_to_async(self._end_session)(code, reason)

    def _end_session(self, code: int | None, reason: str) -> None:
        recorder, session = self.recorder, self.session
        recorder.close()
        session.ended_at = timezone.now()
        session.exit_code = code
        session.end_reason = reason[:300]
        session.recording_bytes = recorder.bytes
        session.recording_truncated = recorder.truncated
        session.save(
            update_fields=[
                "ended_at",
                "exit_code",
                "end_reason",
                "recording_bytes",
                "recording_truncated",
                "updated_at",
            ]
        )
        record(
            f"{self.kind}.end",
            user=self.scope["user"],
            target_type="container",
            target_id=str(self.container_pk),
            host=session.host,
            source_ip=session.source_ip,
            outcome=Outcome.SUCCESS,
            detail={
                "session": session.pk,
                "container": session.container_name,
                "exit_code": code,
                "reason": reason[:300],
                "duration_seconds": round((session.ended_at - session.started_at).total_seconds(), 3),
            },
        )
        publish_session(session, started=False)

    async def end(self, code: int, reason: str) -> None:
        # Closed from this side (logout, access withdrawn, token expiry): the session ends too.
        await self._finish(None, reason)
        await super().end(code, reason)

    async def disconnect(self, code):
        if self.redis_lost:
            await self._finish(None, REDIS_LOST_REASON)
        elif code != CLOSE_ON_PURPOSE and self.grace > 0 and self._resumable():
            await self._detach()
        else:
            await self._finish(None, "The browser closed the terminal.")
        await super().disconnect(code)

    def _resumable(self) -> bool:
        return self.session is not None and not self.ended and self.stream_channel is not None and not self.stream_done

    async def _detach(self) -> None:
        """The browser dropped: the session waits for it for the grace period."""
        self.ended = True  # here; the record stays open
        if alive := getattr(self, "_alive", None):
            alive.cancel()
        await self.detach_stream(self.grace)

        def leave():
            self.recorder.close()
            now = timezone.now()
            TerminalSession.objects.filter(pk=self.session.pk, ended_at=None).update(
                detached_until=now + timedelta(seconds=self.grace),
                alive_at=now,
                output_offset=self.recorded,
                recording_bytes=self.recorder.bytes,
                recording_truncated=self.recorder.truncated,
            )

        await database_sync_to_async(leave)()


class AttachConsumer(TerminalConsumer):
    """The container's main process console, with the terminal's framing; closing detaches."""

    kind = SessionKind.ATTACH
