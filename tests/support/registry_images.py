"""Filling a real registry over its HTTP API, as `docker push` would: blobs uploaded once (or
mounted from another repository), then manifests PUT — single images, OCI images and lists."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

from portal.registries.client.manifests import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from portal.registries.client.session import RegistrySession

__all__ = ["ImagePusher", "PushedImage", "layer_tarball"]

CONFIG_TYPES = {
    DOCKER_MANIFEST: "application/vnd.docker.container.image.v1+json",
    OCI_MANIFEST: "application/vnd.oci.image.config.v1+json",
}
LAYER_TYPES = {
    DOCKER_MANIFEST: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    OCI_MANIFEST: "application/vnd.oci.image.layer.v1.tar+gzip",
}


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tarball(name: str, content: bytes) -> tuple[bytes, str]:
    """A gzipped layer holding one file: (compressed bytes, diff id of the uncompressed tar)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), digest_of(tar_bytes)


@dataclass(frozen=True)
class PushedImage:
    digest: str
    size: int  # config and layers, compressed, as a registry client adds them up
    architecture: str
    created: str
    media_type: str


class ImagePusher:
    """Pushes made-up images into the registry `session` talks to."""

    def __init__(self, session: RegistrySession):
        self.session = session
        self._uploaded: set[tuple[str, str]] = set()

    def blob(self, repository: str, data: bytes, mount_from: str = "") -> str:
        digest = digest_of(data)
        if (repository, digest) in self._uploaded:
            return digest
        scope = f"repository:{repository}:pull,push"
        if mount_from:
            scope += f" repository:{mount_from}:pull"
            response = self.session.request(
                "POST", f"/v2/{repository}/blobs/uploads/?mount={digest}&from={mount_from}", scope=scope
            )
            if response.status_code == 201:
                self._uploaded.add((repository, digest))
                return digest
        else:
            response = self.session.request("POST", f"/v2/{repository}/blobs/uploads/", scope=scope)
        location = response.headers["Location"]
        separator = "&" if "?" in location else "?"
        self.session.request(
            "PUT",
            f"{location}{separator}digest={digest}",
            scope=scope,
            headers={"Content-Type": "application/octet-stream"},
            data=data,
        )
        self._uploaded.add((repository, digest))
        return digest

    def manifest(self, repository: str, reference: str, media_type: str, body: dict) -> str:
        data = json.dumps(body).encode()
        self.session.request(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            scope=f"repository:{repository}:pull,push",
            headers={"Content-Type": media_type},
            data=data,
        )
        return digest_of(data)

    def image(
        self,
        repository: str,
        tag: str,
        *,
        architecture: str = "amd64",
        created: str = "2026-01-02T03:04:05Z",
        content: bytes = b"hello from berth\n",
        media_type: str = DOCKER_MANIFEST,
        mount_from: str = "",
    ) -> PushedImage:
        """One single-platform image tagged `tag`; layer and config are uploaded once per repository."""
        layer, diff_id = layer_tarball("hello.txt", content)
        config = json.dumps(
            {
                "architecture": architecture,
                "os": "linux",
                "created": created,
                "config": {"Cmd": ["/bin/sh"]},
                "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            },
            sort_keys=True,
        ).encode()
        config_digest = self.blob(repository, config, mount_from)
        layer_digest = self.blob(repository, layer, mount_from)
        body = {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {"mediaType": CONFIG_TYPES[media_type], "size": len(config), "digest": config_digest},
            "layers": [{"mediaType": LAYER_TYPES[media_type], "size": len(layer), "digest": layer_digest}],
        }
        digest = self.manifest(repository, tag, media_type, body)
        return PushedImage(digest, len(config) + len(layer), architecture, created, media_type)

    def image_list(self, repository: str, tag: str, architectures: list[str], *, oci: bool = False) -> str:
        """A manifest list (or OCI index) of one image per architecture; its digest."""
        image_type, list_type = (OCI_MANIFEST, OCI_INDEX) if oci else (DOCKER_MANIFEST, DOCKER_LIST)
        entries = []
        for arch in architectures:
            image = self.image(
                repository, f"{tag}-{arch}", architecture=arch, content=f"{arch}\n".encode(), media_type=image_type
            )
            manifest = self.session.get(
                f"/v2/{repository}/manifests/{image.digest}",
                scope=f"repository:{repository}:pull",
                headers={"Accept": image_type},
            ).content
            entries.append(
                {
                    "mediaType": image_type,
                    "size": len(manifest),
                    "digest": image.digest,
                    "platform": {"architecture": arch, "os": "linux"},
                }
            )
        return self.manifest(
            repository, tag, list_type, {"schemaVersion": 2, "mediaType": list_type, "manifests": entries}
        )
