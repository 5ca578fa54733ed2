"""Image references, split the way Docker reads them: `[registry[:port]/]path[:tag][@digest]`.

Plain string work, no engine needed, so the portal may use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TAG", "Reference", "parse_reference"]

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
