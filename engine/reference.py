"""Image references, split the way Docker reads them: `[registry[:port]/]path[:tag][@digest]`.

Plain string work, no engine needed, so the portal may use it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_TAG", "InvalidReference", "Reference", "parse_reference", "validate_reference"]

DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class Reference:
    """A parsed reference. `tag` is None when none was written (Docker then means `latest`)."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def tag_or_default(self) -> str:
        return self.tag or DEFAULT_TAG

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(text: str) -> Reference:
    """Split `text` into repository, tag and digest.

    The tag follows the last colon only when no slash comes after it: in
    `127.0.0.1:5000/team/app` the colon belongs to the registry's port, not to a tag.
    """
    name, _, digest = text.strip().partition("@")
    head, colon, tail = name.rpartition(":")
    if colon and head and "/" not in tail:
        return Reference(repository=head, tag=tail or None, digest=digest or None)
    return Reference(repository=name, digest=digest or None)


# The distribution reference grammar (github.com/distribution/reference, regexp.go), anchored.
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
REFERENCE_RE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?")
TAG_RE = re.compile(_TAG)


class InvalidReference(ValueError):
    """Text that is not an image reference; the message says why, in a sentence."""


def validate_reference(text: str) -> Reference:
    """The reference `text` names, or InvalidReference saying what is wrong with it."""
    text = (text or "").strip()
    if not text:
        raise InvalidReference("Give an image reference, such as busybox:latest or registry:5000/team/app:1.0.")
    if len(text) > 512:
        raise InvalidReference("An image reference is at most 512 characters long.")
    match = REFERENCE_RE.fullmatch(text)
    if match is None:
        lower = text.lower() != text and REFERENCE_RE.fullmatch(text.lower())
        hint = " Repository names are lower case." if lower else ""
        raise InvalidReference(
            f"'{text}' is not a valid image reference: write [registry[:port]/]repository[:tag][@digest]"
            f", e.g. busybox:latest.{hint}"
        )
    repository, tag, digest = match.groups()
    if len(repository) > 255:
        raise InvalidReference("A repository name is at most 255 characters long.")
    return Reference(repository=repository, tag=tag, digest=digest)
