"""The connection to one Docker engine."""

from __future__ import annotations

import os

import docker
import docker.errors
import requests.exceptions

from engine.info import EngineInfo, engine_info_from_api

__all__ = ["DEFAULT_DOCKER_HOST", "Engine", "EngineUnavailable"]

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"


class EngineUnavailable(Exception):
    """The engine did not answer (socket missing, daemon stopped, connection refused, timeout)."""


class Engine:
    """One Docker engine, reached at `base_url` (DOCKER_HOST's form) with the API version negotiated.

    The underlying client is created lazily and dropped after a connection failure, so an
    engine that comes back is picked up again without restarting the caller.
    """

    def __init__(self, base_url: str | None = None, timeout: float = 10.0):
        self.base_url = base_url or os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST
        self.timeout = timeout
        self._client: docker.DockerClient | None = None

    def _api(self) -> docker.APIClient:
        if self._client is None:
            try:
                self._client = docker.DockerClient(base_url=self.base_url, version="auto", timeout=self.timeout)
            except docker.errors.DockerException as exc:
                raise EngineUnavailable(self._describe(exc)) from exc
        return self._client.api

    def _describe(self, exc: Exception) -> str:
        reason = str(exc).split("\n", 1)[0]
        return f"Docker engine at {self.base_url} did not answer: {reason}"

    def _call(self, method: str, *args, **kwargs):
        api = self._api()
        try:
            return getattr(api, method)(*args, **kwargs)
        # APIError is a requests HTTPError, hence an OSError: it must be caught first, or every
        # answer such as "no such image" would be mistaken for an engine that went away.
        except docker.errors.APIError as exc:
            if exc.status_code and exc.status_code >= 500:
                raise EngineUnavailable(self._describe(exc)) from exc
            raise
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError) as exc:
            self.close()
            raise EngineUnavailable(self._describe(exc)) from exc

    def ping(self) -> bool:
        """True when the engine answers; raises EngineUnavailable otherwise."""
        return bool(self._call("ping"))

    def info(self) -> EngineInfo:
        return engine_info_from_api(self._call("info"), self._call("version"))

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None
