"""Docker Compose v2 on a host: the binary found, a project's files in a directory of the worker's,
and `config` / `up` / `start` / `stop` / `restart` / `down` run with compose's JSON progress read
into one event per service (and per layer while pulling).

The binary is called itself (never a wrapper that drops its exit code): `BERTH_COMPOSE` when set,
else a `docker-compose` on PATH that says it is v2, else the `docker compose` plugin.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import OperationFailed, explain_text

__all__ = [
    "COMPOSE_FILE",
    "ENV_FILE",
    "Compose",
    "ComposeMissing",
    "find_compose",
    "progress_line",
    "project_dir",
    "staged_files",
]

COMPOSE_FILE = "compose.yaml"
ENV_FILE = ".env"
CONFIG_TIMEOUT = 60
RUN_TIMEOUT = 1800  # a pull of big images on a slow link
VERSION_RE = re.compile(r"v?(\d+\.\d+\.\d+[\w.+-]*)")


class ComposeMissing(OperationFailed):
    def __init__(self):
        super().__init__(
            "Docker Compose v2 is not installed on this host: install the docker compose plugin "
            "(or a docker-compose v2 binary, or set BERTH_COMPOSE to one).",
            "compose_missing",
        )


def _version_of(command: list[str]) -> str | None:
    try:
        done = subprocess.run([*command, "version", "--short"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = VERSION_RE.match(done.stdout.strip())
    if done.returncode != 0 or not match or not match.group(1).startswith("2."):
        return None
    return match.group(1)


def find_compose() -> tuple[list[str], str] | None:
    """(the command, its version) of this host's Compose v2, or None."""
    candidates = []
    if configured := os.environ.get("BERTH_COMPOSE", "").strip():
        candidates.append([configured])
    if found := shutil.which("docker-compose"):
        candidates.append([found])
    if docker := shutil.which("docker"):
        candidates.append([docker, "compose"])
    for command in candidates:
        if version := _version_of(command):
            return command, version
    return None


def project_dir(root: Path, docker_host: str, project: str) -> Path:
    """Where this worker keeps a project's files: one folder per engine, so two workers on one
    machine never share a project's directory."""
    engine = hashlib.sha256(docker_host.encode()).hexdigest()[:12]
    return root / engine / project


def _service_of(event_id: str, project: str) -> str:
    """`Container demo-web-1` -> `web`; `Network demo_default` -> `network default`."""
    kind, _, name = event_id.partition(" ")
    if not name:
        return event_id
    if kind == "Container":
        base = name[len(project) + 1 :] if name.startswith(project + "-") else name
        return re.sub(r"-\d+$", "", base)
    base = name[len(project) + 1 :] if name.startswith(project + "_") else name
    return f"{kind.lower()} {base}"


def progress_line(event: dict, project: str) -> dict | None:
    """One line of compose's `--progress json` as a line for the operation's progress board
    (engine.progress.LayerBoard): id the service (or `service layer` while pulling), status its
    state, progressDetail the bytes."""
    if not isinstance(event, dict) or event.get("error"):
        return None
    event_id = str(event.get("id") or "")
    if not event_id:
        return None
    status = str(event.get("status") or event.get("text") or "")
    text = str(event.get("text") or "")
    if parent := event.get("parent_id"):
        line_id = f"{_service_of(str(parent), project)} {event_id[:12]}"
        status = text or status
    else:
        line_id = _service_of(event_id, project)
        if text and status and text != status:
            status = f"{text}: {status}"
    detail = {}
    if event.get("total"):
        detail = {"current": int(event.get("current") or 0), "total": int(event["total"])}
    return {"id": line_id, "status": status, "progressDetail": detail}


@dataclass
class Compose:
    """One host's compose binary against its engine."""

    command: list[str]
    docker_host: str

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "DOCKER_"))}
        env["DOCKER_HOST"] = self.docker_host
        return env

    def _base(self, project: str, folder: Path | None) -> list[str]:
        args = [*self.command, "--project-name", project]
        if folder is not None:
            args += ["--project-directory", str(folder), "--file", str(folder / COMPOSE_FILE)]
            if (folder / ENV_FILE).exists():
                args += ["--env-file", str(folder / ENV_FILE)]
        return args

    def config(self, folder: Path, project: str, shown_as: Path | None = None) -> dict[str, Any]:
        """The project's normalized form, or OperationFailed (`invalid_compose`) with compose's
        sentence. Read where its files are (`folder`, so `env_file: .env` finds the .env), its
        paths are written as they will be once the files are in `shown_as`."""
        try:
            done = subprocess.run(
                [*self._base(project, folder), "config", "--format", "json"],
                capture_output=True,
                text=True,
                timeout=CONFIG_TIMEOUT,
                env=self._env(),
            )
        except subprocess.TimeoutExpired:
            raise OperationFailed("Compose took too long to read the file.", "invalid_compose") from None
        if done.returncode != 0:
            message = done.stderr.strip().replace(str(folder / COMPOSE_FILE), "the compose file")
            message = message.replace(str(folder) + "/", "")
            raise OperationFailed(f"The compose file is not valid: {message[:500]}", "invalid_compose")
        text = done.stdout
        if shown_as is not None:
            text = text.replace(json.dumps(str(folder))[1:-1], json.dumps(str(shown_as))[1:-1])
        return json.loads(text)

    def run(
        self,
        project: str,
        folder: Path | None,
        args: list[str],
        on_line: Callable[[dict], None],
        on_note: Callable[[str], None],
    ) -> None:
        """`compose <args>` with JSON progress; each event to `on_line` (progress_line's shape);
        a failure raises OperationFailed with compose's last error, explained where it can be."""
        command = [*self._base(project, folder), "--progress", "json", *args]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self._env(),
            # Without its folder, compose acts by labels; from / it finds no compose file of another.
            cwd=str(folder) if folder is not None else "/",
        )
        errors: list[str] = []
        failed_services: list[str] = []
        assert process.stdout is not None
        for raw in process.stdout:
            raw = raw.strip()
            if not raw:
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                if "level=warning" not in raw:
                    on_note(raw[:500])
                continue
            if not isinstance(event, dict):
                continue
            if event.get("error"):
                errors.append(str(event.get("message") or "compose failed"))
                continue
            if str(event.get("text") or event.get("status")) == "Error":
                failed_services.append(_service_of(str(event.get("id") or ""), project))
            if line := progress_line(event, project):
                if line["status"].startswith("Error") and not event.get("parent_id"):
                    failed_services.append(line["id"])
                on_line(line)
        try:
            code = process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise OperationFailed("Compose did not finish in time; it was stopped.", "compose_timeout") from None
        if code != 0:
            message = errors[-1] if errors else f"compose exited with {code}"
            message = message.removeprefix("Error response from daemon: ")
            failed = ", ".join(dict.fromkeys(s for s in failed_services if s))
            where = f"Service {failed} failed: " if failed else ""
            explained = explain_text(message, failed or project)
            code_ = explained.code if explained.code != "engine_error" else "compose_failed"
            raise OperationFailed(f"{where}{explained.message}", code_)


def staged_files(compose: str, env: str) -> Path:
    """A fresh temporary folder holding the file and its .env: checked there before it replaces
    the deployed ones, so a file compose refuses leaves nothing behind."""
    folder = Path(tempfile.mkdtemp(prefix="berth-stack-"))
    (folder / COMPOSE_FILE).write_text(compose)
    if env:
        (folder / ENV_FILE).write_text(env)
        os.chmod(folder / ENV_FILE, 0o600)
    return folder
