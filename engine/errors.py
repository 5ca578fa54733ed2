"""What went wrong in an operation, as one exception type with a sentence a user can act on.

The engine answers in its own words ("driver failed programming external connectivity …");
`explain` turns the ones a user can cause into a sentence and a stable code, and keeps the
engine's own first line for the rest.
"""

from __future__ import annotations

import re

import docker.errors

__all__ = ["OperationFailed", "explain", "explain_text"]


class OperationFailed(Exception):
    """An operation could not be done. `code` is stable for programs; the message is for people."""

    def __init__(self, message: str, code: str = "failed"):
        super().__init__(message)
        self.message = message
        self.code = code


# (pattern in the engine's message, code, sentence template); {subject} is what the operation was about.
_RULES: list[tuple[re.Pattern, str, str]] = [
    (
        re.compile(r"no basic auth credentials|unauthorized|authentication required|denied: requested access", re.I),
        "auth_required",
        "The registry refused access to {subject}: authentication required. Choose a registry whose "
        "credentials may use it.",
    ),
    (
        re.compile(r"incorrect username or password|invalid username/password", re.I),
        "auth_refused",
        "The registry refused the credentials for {subject}: incorrect username or password.",
    ),
    (
        re.compile(r"connection refused|no such host|i/o timeout|dial tcp|network is unreachable|TLS handshake", re.I),
        "registry_unreachable",
        "The registry for {subject} cannot be reached ({detail}).",
    ),
    (
        re.compile(r"manifest unknown|manifest for .* not found|repository does not exist|name unknown", re.I),
        "image_not_found",
        "Image {subject} was not found in its registry: check the repository and tag.",
    ),
    (
        re.compile(r"No such image|reference does not exist", re.I),
        "image_not_found",
        "Image {subject} is not on this host.",
    ),
    (
        re.compile(r"is already in use by container", re.I),
        "name_in_use",
        "The name {subject} is already in use by another container on this host: choose another name.",
    ),
    (
        re.compile(r"port is already allocated|address already in use", re.I),
        "port_allocated",
        "A published port is already allocated on this host ({detail}): choose another host port.",
    ),
    (re.compile(r"is not running", re.I), "not_running", "Container {subject} is not running."),
    (re.compile(r"is not paused", re.I), "not_paused", "Container {subject} is not paused."),
    (re.compile(r"is already paused", re.I), "already_paused", "Container {subject} is already paused."),
    (re.compile(r"No such container", re.I), "container_not_found", "Container {subject} no longer exists."),
    (
        re.compile(r"image is being used by|image has dependent child images|conflict: unable to delete", re.I),
        "image_in_use",
        "Image {subject} cannot be removed: {detail}. Remove with force, or remove what uses it first.",
    ),
    (
        re.compile(r"invalid reference format", re.I),
        "invalid_reference",
        "{subject} is not a valid image reference.",
    ),
    (
        re.compile(
            r"dockerfile parse error|unknown instruction|Dockerfile .*cannot be empty"
            r"|Cannot locate specified Dockerfile",
            re.I,
        ),
        "dockerfile_error",
        "The Dockerfile is not valid: {detail}.",
    ),
    (
        re.compile(r"network with name .* already exists|volume name .* already exists", re.I),
        "name_in_use",
        "The name {subject} is already in use on this host: choose another name.",
    ),
    (
        re.compile(r"overlaps with other one|overlaps with|pool overlaps", re.I),
        "subnet_overlap",
        "The subnet of network {subject} overlaps another network's on this host ({detail}): choose another.",
    ),
    (
        re.compile(r"has active endpoints", re.I),
        "active_endpoints",
        "Network {subject} has containers connected: disconnect them first.",
    ),
    (
        re.compile(r"volume is in use", re.I),
        "volume_in_use",
        "Volume {subject} is in use by a container ({detail}): remove the container first, or force.",
    ),
    (
        re.compile(r"plugin .*not found|could not find plugin|error looking up volume plugin|plugin not found", re.I),
        "unknown_driver",
        "This host's engine has no such driver ({detail}): choose a driver it has.",
    ),
    (
        re.compile(r"already exists in network|is already connected", re.I),
        "already_connected",
        "Container {subject} is already connected to this network.",
    ),
    (
        re.compile(r"is not connected to (the )?network", re.I),
        "not_connected",
        "Container {subject} is not connected to this network.",
    ),
    (
        re.compile(r"no such volume|get .*: no such volume", re.I),
        "volume_not_found",
        "Volume {subject} no longer exists on this host.",
    ),
    (
        re.compile(r"network .* not found", re.I),
        "network_not_found",
        "{detail}: choose a network that exists on this host.",
    ),
]


def _first_line(text: str) -> str:
    text = str(text or "").strip()
    return text.split("\n", 1)[0].strip().rstrip(".") or "the engine gave no reason"


def explain_text(text: str, subject: str = "") -> OperationFailed:
    detail = _first_line(text)
    for pattern, code, template in _RULES:
        if pattern.search(detail):
            return OperationFailed(template.format(subject=subject or "it", detail=detail), code)
    return OperationFailed(detail[:1].upper() + detail[1:] + ".", "engine_error")


def explain(exc: docker.errors.APIError | Exception, subject: str = "") -> OperationFailed:
    """The engine's refusal `exc`, as an OperationFailed about `subject` (a reference, a name…)."""
    if isinstance(exc, docker.errors.APIError):
        return explain_text(exc.explanation or str(exc), subject)
    return explain_text(str(exc), subject)
