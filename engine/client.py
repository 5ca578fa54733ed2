"""The connection to one Docker engine."""

from __future__ import annotations

import errno
import os

import docker
import docker.errors
import requests.exceptions
import urllib3.exceptions

from engine.errors import explain
from engine.info import EngineInfo, engine_info_from_api
from engine.inventory import (
    ContainerRecord,
    ImageRecord,
    container_from_inspect,
    image_from_list,
    image_layers,
)

__all__ = ["DEFAULT_DOCKER_HOST", "Engine", "EngineUnavailable", "EventStream"]

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"


# Why a connection to the engine failed, in words a person can act on (the SDK's own text is a
# repr of nested exceptions: "('Connection aborted.', FileNotFoundError(2, 'No such file or ...'))").
_SOCKET_REASONS = {
    errno.ENOENT: ": its socket does not exist (is dockerd running?)",
    errno.ECONNREFUSED: ": nothing accepts connections there (is dockerd running?)",
    errno.EACCES: ": this process may not open its socket (permission denied)",
    errno.ECONNRESET: ": it dropped the connection (is dockerd restarting?)",
}


def _plain_reason(exc: BaseException, timeout: float) -> str | None:
    """The first cause in `exc`'s chain (its causes, arguments, urllib3's `reason`) said plainly,
    as the end of "did not answer…"; None when none is known."""
    seen, pending = set(), [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, requests.exceptions.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
            return f" within {timeout:g} s"
        if isinstance(current, OSError) and current.errno in _SOCKET_REASONS:
            return _SOCKET_REASONS[current.errno]
        nested = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        pending += [item for item in nested if isinstance(item, BaseException)]
    return None


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
        said = _plain_reason(exc, self.timeout) or ": " + str(exc).split("\n", 1)[0]
        return f"Docker engine at {self.base_url} did not answer{said}"

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

    def act(self, method: str, *args, subject: str = "", **kwargs):
        """Call the API for an operation: the engine's refusals (whatever their HTTP status, a port
        conflict is a 500) become OperationFailed with a sentence about `subject`."""
        api = self._api()
        try:
            return getattr(api, method)(*args, **kwargs)
        except docker.errors.APIError as exc:
            raise explain(exc, subject) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError) as exc:
            self.close()
            raise EngineUnavailable(self._describe(exc)) from exc

    def follow(self, stream, subject: str = ""):
        """Iterate an answer that streams (pull, push, build, save, load): the SDK calls lazily,
        so the engine's refusal may come on the first read rather than from act()."""
        try:
            yield from stream
        except docker.errors.APIError as exc:
            raise explain(exc, subject) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError) as exc:
            self.close()
            raise EngineUnavailable(self._describe(exc)) from exc

    def _raw(self, call):
        """`call(api)` for the SDK's low-level requests: the engine's answers (APIError) pass as
        they are, for the caller to read; a connection that failed is EngineUnavailable."""
        api = self._api()
        try:
            return call(api)
        except docker.errors.APIError:
            raise
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout, OSError) as exc:
            self.close()
            raise EngineUnavailable(self._describe(exc)) from exc

    def api_version(self) -> str:
        """The API version negotiated with the engine, e.g. "1.41"."""
        return self._api().api_version

    def host_config(self, **options) -> dict:
        """A container's HostConfig for `create_container`, in the form of the engine's API version."""
        return self._api().create_host_config(**options)

    def head(self, path: str, *parts: str, params: dict | None = None) -> int:
        """The HTTP status of `HEAD path`; {0}, {1}… in `path` are `parts`, quoted."""
        return self._raw(lambda api: api.head(api._url(path, *parts), params=params).status_code)

    def post_json(self, path: str, *parts: str, body: dict) -> dict:
        """`POST path` with a JSON body, answering the engine's JSON; its refusals raise APIError."""
        return self._raw(lambda api: api._result(api._post_json(api._url(path, *parts), data=body), True))

    def open_stream(self, path: str, *parts: str, params: dict | None = None) -> requests.Response:
        """`GET path` with its body left to stream (logs, stats). The engine's refusals raise APIError
        (NotFound for a missing object); a 5xx or a failed connection is EngineUnavailable."""

        def get(api):
            response = api._get(api._url(path, *parts), params=params, stream=True)
            api._raise_for_status(response)
            return response

        try:
            return self._raw(get)
        except docker.errors.APIError as exc:
            if exc.status_code and exc.status_code >= 500:
                raise EngineUnavailable(self._describe(exc)) from exc
            raise

    def ping(self) -> bool:
        """True when the engine answers; raises EngineUnavailable otherwise."""
        return bool(self._call("ping"))

    def info(self) -> EngineInfo:
        return engine_info_from_api(self._call("info"), self._call("version"))

    def list_containers(self) -> list[dict]:
        """Every container, running or not, as the engine lists them (without sizes: cheap)."""
        return self._call("containers", all=True, size=False)

    def inspect_container(self, container_id: str) -> ContainerRecord | None:
        """The container's full record, or None when it no longer exists."""
        try:
            return container_from_inspect(self._call("inspect_container", container_id))
        except docker.errors.NotFound:
            return None

    def list_images(self) -> list[ImageRecord]:
        return [image_from_list(item) for item in self._call("images")]

    def image_layers(self, image_id: str) -> list[dict] | None:
        """The image's layer stack (see engine.inventory.image_layers), or None when it is gone."""
        try:
            return image_layers(self._call("inspect_image", image_id), self._call("history", image_id))
        except docker.errors.NotFound:
            return None

    def inspect_image(self, image_id: str) -> ImageRecord | None:
        """One image with its layers, or None when it no longer exists."""
        try:
            data = self._call("inspect_image", image_id)
        except docker.errors.NotFound:
            return None
        listed = image_from_list(
            {
                "Id": data.get("Id"),
                "RepoTags": data.get("RepoTags"),
                "RepoDigests": data.get("RepoDigests"),
                "Size": data.get("Size"),
                "Labels": (data.get("Config") or {}).get("Labels"),
                "ParentId": data.get("Parent"),
            }
        )
        listed.created = data.get("Created") or None
        listed.layers = self.image_layers(listed.engine_id)
        return listed

    def events(self, since: float | None = None, types: tuple[str, ...] = ("container", "image")) -> EventStream:
        """Open the engine's event stream now (so nothing after this call is missed) for iterating."""
        return EventStream(self, self._call("events", since=since, filters={"type": list(types)}, decode=True))

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None


class EventStream:
    """Decoded engine events; iteration ends with EngineUnavailable when the connection drops."""

    def __init__(self, engine: Engine, stream):
        self.engine = engine
        self.stream = stream

    def __iter__(self):
        try:
            yield from self.stream
        except (requests.exceptions.RequestException, OSError) as exc:
            raise EngineUnavailable(self.engine._describe(exc)) from exc

    def close(self) -> None:
        self.stream.close()
