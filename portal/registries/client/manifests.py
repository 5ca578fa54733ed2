"""Reading image manifests: Docker v2 schema 2, OCI image manifests, and the lists that point at
one manifest per platform (Docker manifest lists, OCI indexes). Plain data in, dataclasses out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

__all__ = [
    "ACCEPT",
    "DOCKER_LIST",
    "DOCKER_MANIFEST",
    "LIST_TYPES",
    "OCI_INDEX",
    "OCI_MANIFEST",
    "ImageFacts",
    "Manifest",
    "PlatformRef",
    "TagDetails",
    "image_facts",
    "platform_refs",
]

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
LIST_TYPES = {DOCKER_LIST, OCI_INDEX}
IMAGE_TYPES = {DOCKER_MANIFEST, OCI_MANIFEST}
ACCEPT = ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST])


@dataclass(frozen=True)
class Manifest:
    """A manifest as the registry served it: its media type, digest and parsed body."""

    media_type: str
    digest: str
    body: dict
    size: int

    @property
    def is_list(self) -> bool:
        return self.media_type in LIST_TYPES

    @property
    def config_digest(self) -> str:
        return str((self.body.get("config") or {}).get("digest", ""))


@dataclass(frozen=True)
class PlatformRef:
    """One entry of a manifest list: the platform's manifest digest and what it runs on."""

    digest: str
    architecture: str
    os: str
    variant: str = ""

    @property
    def label(self) -> str:
        return "/".join(part for part in (self.os, self.architecture, self.variant) if part)


@dataclass(frozen=True)
class ImageFacts:
    """One platform's image: what its manifest and config blob say."""

    digest: str
    size: int | None
    created: str | None
    architecture: str
    os: str
    variant: str = ""


@dataclass(frozen=True)
class TagDetails:
    """A tag as a browse page shows it. For a manifest list, `platforms` holds each platform's image,
    `architecture` names them all and `size` is None (each platform pulls its own size)."""

    name: str
    digest: str
    media_type: str
    size: int | None
    created: str | None
    architecture: str
    os: str
    platforms: list[ImageFacts] = field(default_factory=list)


def image_size(manifest: Manifest) -> int | None:
    """Compressed size of the image: its config and layers as the registry stores them."""
    if manifest.media_type not in IMAGE_TYPES:
        return None
    parts = [manifest.body.get("config") or {}, *(manifest.body.get("layers") or [])]
    return sum(int(part.get("size") or 0) for part in parts if isinstance(part, dict))


def image_facts(manifest: Manifest, config: dict | None) -> ImageFacts:
    """Facts of a single-platform image from its manifest and config blob (or a schema 1 manifest alone)."""
    config = config or {}
    if manifest.media_type == DOCKER_V1_SIGNED:
        created = None
        history = manifest.body.get("history") or []
        if history:
            try:
                created = json.loads(history[0].get("v1Compatibility", "{}")).get("created")
            except (ValueError, AttributeError):
                created = None
        return ImageFacts(manifest.digest, None, created, str(manifest.body.get("architecture", "")), "")
    return ImageFacts(
        digest=manifest.digest,
        size=image_size(manifest),
        created=config.get("created"),
        architecture=str(config.get("architecture", "")),
        os=str(config.get("os", "")),
        variant=str(config.get("variant", "")),
    )


def platform_refs(manifest: Manifest) -> list[PlatformRef]:
    """The images a list points at, leaving out attestations (platform unknown/unknown)."""
    refs = []
    for entry in manifest.body.get("manifests") or []:
        platform = entry.get("platform") or {}
        architecture, os_name = platform.get("architecture", ""), platform.get("os", "")
        if architecture == "unknown" and os_name == "unknown":
            continue
        refs.append(PlatformRef(str(entry.get("digest", "")), architecture, os_name, platform.get("variant", "")))
    return refs
