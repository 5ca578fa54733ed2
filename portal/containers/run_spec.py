"""The run form and `POST /api/v1/containers/`: every option checked at the edge, with a sentence
for each mistake, and turned into the normalized spec the host worker runs (wire.run_spec.RunSpec)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from rest_framework import serializers

from engine.reference import InvalidReference, validate_reference
from wire.run_spec import RunSpec

__all__ = ["CONTAINER_NAME_RE", "RunContainerSerializer", "parse_memory"]

CONTAINER_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
VOLUME_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
ENV_NAME_RE = re.compile(r"[^=\s]+")
PORT_RE = re.compile(
    r"(?:(?P<ip>\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:(?P<host>\d{1,5})?:)?(?P<container>\d{1,5})"
    r"(?:/(?P<protocol>tcp|udp|sctp))?"
)
MEMORY_RE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[bkmg]?)b?", re.I)
UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_MEMORY = 6 * 1024**2  # the engine refuses less
RESTART_RE = re.compile(r"(?P<name>no|always|unless-stopped|on-failure)(?::(?P<count>\d+))?")


def _words(value: Any, field: str) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"{field} cannot be read as words: {exc}.") from None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise serializers.ValidationError(f"Write the {field} as text or as a list of strings.")


def _port(port: int, what: str, text: str) -> int:
    if not 1 <= port <= 65535:
        raise serializers.ValidationError(f"'{text}': the {what} port must be between 1 and 65535.")
    return port


def parse_port(value: Any) -> dict[str, Any]:
    """`[ip:][host_port:]container_port[/protocol]` or {container_port, host_port?, protocol?, host_ip?}."""
    if isinstance(value, dict):
        text = str(value.get("container_port", ""))
        if value.get("host_port") not in (None, ""):
            text = f"{value['host_port']}:{text}"
        if value.get("host_ip"):
            text = f"{value['host_ip']}:{text}"
        if value.get("protocol"):
            text += f"/{value['protocol']}"
    elif isinstance(value, str | int):
        text = str(value).strip()
    else:
        raise serializers.ValidationError("Write each port as text like 8080:80/tcp.")
    match = PORT_RE.fullmatch(text)
    if match is None:
        raise serializers.ValidationError(
            f"'{text}' is not a port mapping: write [host_ip:][host_port:]container_port[/tcp|udp|sctp], e.g. 8080:80."
        )
    host = match["host"]
    return {
        "container_port": _port(int(match["container"]), "container", text),
        "host_port": _port(int(host), "host", text) if host else None,
        "protocol": match["protocol"] or "tcp",
        "host_ip": (match["ip"] or "").strip("[]"),
    }


def parse_volume(value: Any) -> dict[str, Any]:
    """`name:/path[:ro]`, `/host/path:/path[:ro]` (a bind mount), `/path` (anonymous), or an object."""
    if isinstance(value, dict):
        source, target = str(value.get("source") or ""), str(value.get("target") or "")
        read_only = bool(value.get("read_only"))
        text = f"{source}:{target}" if source else target
    elif isinstance(value, str):
        text = value.strip()
        parts = text.split(":")
        mode = ""
        if len(parts) == 3:
            mode = parts.pop()
        if len(parts) > 2 or mode not in ("", "ro", "rw"):
            raise serializers.ValidationError(
                f"'{text}' is not a volume: write name:/path, /host/path:/path or /path, optionally with :ro."
            )
        source, target = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        read_only = mode == "ro"
    else:
        raise serializers.ValidationError("Write each volume as text like data:/var/lib/data.")
    if not target.startswith("/"):
        raise serializers.ValidationError(f"'{text}': the path inside the container must be absolute (start with /).")
    if source and not source.startswith(("/", "~", ".")) and not VOLUME_NAME_RE.fullmatch(source):
        raise serializers.ValidationError(
            f"'{text}': '{source}' is not a volume name (letters, digits, _ . -) nor a host path (starting with /)."
        )
    kind = "anonymous" if not source else "bind" if source.startswith(("/", "~", ".")) else "volume"
    return {"type": kind, "source": source, "target": target, "read_only": read_only}


def parse_env(value: Any) -> dict[str, str]:
    if value in (None, "", [], {}):
        return {}
    if isinstance(value, dict):
        items = [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    elif isinstance(value, list):
        items = []
        for line in value:
            if not isinstance(line, str) or "=" not in line:
                raise serializers.ValidationError(f"'{line}' is not an environment variable: write NAME=value.")
            name, _, rest = line.partition("=")
            items.append((name, rest))
    else:
        raise serializers.ValidationError("Write the environment as a list of NAME=value or an object.")
    for name, _ in items:
        if not ENV_NAME_RE.fullmatch(name):
            raise serializers.ValidationError(f"'{name}' is not a valid environment variable name (no spaces, no =).")
    return dict(items)


def parse_memory(value: Any) -> int | None:
    if value in (None, "", 0):
        return None
    match = MEMORY_RE.fullmatch(str(value).strip())
    if match is None:
        raise serializers.ValidationError(f"'{value}' is not an amount of memory: write e.g. 256m, 1g or bytes.")
    amount = int(float(match["number"]) * UNITS[match["unit"].lower()])
    if amount < MIN_MEMORY:
        raise serializers.ValidationError("The memory limit must be at least 6 MB (the engine refuses less).")
    return amount


def parse_restart(value: Any) -> dict[str, Any]:
    text = str(value or "no").strip()
    match = RESTART_RE.fullmatch(text)
    if match is None:
        raise serializers.ValidationError(
            f"'{text}' is not a restart policy: choose no, always, unless-stopped or on-failure[:max-retries]."
        )
    if match["count"] and match["name"] != "on-failure":
        raise serializers.ValidationError("Only on-failure takes a maximum retry count.")
    return {"name": match["name"], "maximum_retry_count": int(match["count"] or 0)}


def _labels(value: Any) -> dict[str, str]:
    if value in (None, "", {}):
        return {}
    if isinstance(value, list):
        value = dict(item.partition("=")[::2] for item in value if isinstance(item, str))
    if not isinstance(value, dict) or any(not str(k).strip() for k in value):
        raise serializers.ValidationError("Write labels as an object of name: value (names not empty).")
    return {str(k): str(v) for k, v in value.items()}


class RunContainerSerializer(serializers.Serializer):
    """What `docker run` takes. Lists accept the CLI's text forms (`8080:80`, `data:/data:ro`,
    `NAME=value`) or objects. Options that amount to root on the host are admin-only."""

    host = serializers.IntegerField(help_text="The host's id.")
    image = serializers.CharField(max_length=512, help_text="[registry/]repository[:tag][@digest]; pulled if missing.")
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    command = serializers.JSONField(required=False, help_text="Text (split like a shell) or a list.")
    entrypoint = serializers.JSONField(required=False)
    working_dir = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    user = serializers.CharField(max_length=255, required=False, allow_blank=True)
    env = serializers.JSONField(required=False, help_text='["NAME=value", …] or {"NAME": "value"}.')
    ports = serializers.JSONField(required=False, help_text='["8080:80", "127.0.0.1:5353:53/udp", …].')
    volumes = serializers.JSONField(required=False, help_text='["data:/data", "/host/path:/data:ro", "/cache"].')
    restart_policy = serializers.CharField(required=False, allow_blank=True, help_text="no, always, …")
    memory = serializers.JSONField(required=False, help_text="A limit: bytes, or 256m, 1g…")
    cpus = serializers.FloatField(required=False, allow_null=True, min_value=0.01, max_value=1024)
    labels = serializers.JSONField(required=False)
    network = serializers.CharField(max_length=255, required=False, allow_blank=True)
    tty = serializers.BooleanField(required=False, default=False)
    stdin_open = serializers.BooleanField(required=False, default=False)
    auto_remove = serializers.BooleanField(required=False, default=False)
    registry = serializers.IntegerField(required=False, allow_null=True, help_text="Pull with this registry's login.")
    # Dangerous: admin of the host only (portal.access.dangerous).
    privileged = serializers.BooleanField(required=False, default=False)
    cap_add = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    devices = serializers.ListField(child=serializers.CharField(max_length=512), required=False)
    pid_mode = serializers.CharField(required=False, allow_blank=True)
    ipc_mode = serializers.CharField(required=False, allow_blank=True)
    network_mode = serializers.CharField(required=False, allow_blank=True)
    security_opt = serializers.ListField(child=serializers.CharField(max_length=255), required=False)

    def validate_image(self, value):
        try:
            return str(validate_reference(value))
        except InvalidReference as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_name(self, value):
        value = value.strip()
        if value and not CONTAINER_NAME_RE.fullmatch(value):
            raise serializers.ValidationError(
                f"'{value}' is not a container name: use letters, digits, _ . and -, starting with a letter or digit."
            )
        return value

    def validate_command(self, value):
        return _words(value, "command")

    def validate_entrypoint(self, value):
        return _words(value, "entrypoint")

    def validate_env(self, value):
        return parse_env(value)

    def validate_ports(self, value):
        if value in (None, "", []):
            return []
        if not isinstance(value, list):
            value = [value]
        return [parse_port(p) for p in value]

    def validate_volumes(self, value):
        if value in (None, "", []):
            return []
        if not isinstance(value, list):
            value = [value]
        return [parse_volume(v) for v in value]

    def validate_restart_policy(self, value):
        return parse_restart(value)

    def validate_memory(self, value):
        return parse_memory(value)

    def validate_labels(self, value):
        return _labels(value)

    def validate(self, attrs):
        if attrs.get("auto_remove") and (attrs.get("restart_policy") or {}).get("name", "no") != "no":
            raise serializers.ValidationError("A container that removes itself cannot also restart: pick one.")
        return attrs

    def spec(self) -> dict[str, Any]:
        """The normalized spec the worker runs, and what `dangerous_options` reads."""
        # dangerous_options reads volumes with source/type, the same shape.
        return RunSpec.from_wire(self.validated_data).to_wire()
