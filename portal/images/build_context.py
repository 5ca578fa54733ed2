"""A build's context from what the browser or API sent: a tar/tar.gz upload, a folder upload
(files with their relative paths), a Dockerfile typed in, or a Dockerfile with a context.
Checked here — size cap, is it a tar, is there a Dockerfile — so a bad one is a 400, not a
failed build."""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
import time
from collections.abc import Iterable

from django.conf import settings
from rest_framework.exceptions import ValidationError

__all__ = ["make_context"]

GZIP_MAGIC = b"\x1f\x8b"


def _limit() -> int:
    return int(settings.BERTH_BUILD_CONTEXT_MAX_MB * 1024 * 1024)


def _too_large() -> ValidationError:
    return ValidationError(
        {
            "context": f"The build context is larger than {settings.BERTH_BUILD_CONTEXT_MAX_MB:g} MB, the most this "
            "Berth accepts (BERTH_BUILD_CONTEXT_MAX_MB). Leave out what the build does not need."
        },
        code="context_too_large",
    )


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _clean_path(path: str) -> str:
    path = posixpath.normpath(path.replace("\\", "/")).lstrip("/")
    if path in ("", ".") or path.startswith("../") or path == "..":
        raise ValidationError({"paths": f"'{path}' is not a path inside the build context."}, code="invalid_path")
    return path


def _read_upload(upload) -> bytes:
    if upload.size > _limit():
        raise _too_large()
    data = upload.read()
    if data.startswith(GZIP_MAGIC):
        try:
            raw = gzip.decompress(data)
        except (OSError, EOFError):
            raise ValidationError({"context": "The context is not a valid tar.gz file."}, code="not_a_tar") from None
        if len(raw) > _limit():
            raise _too_large()
        data = raw
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            archive.getmembers()
    except tarfile.TarError:
        raise ValidationError(
            {"context": "The context is not a tar or tar.gz file: upload an archive, or the folder itself."},
            code="not_a_tar",
        ) from None
    return data


def make_context(
    *,
    dockerfile: str = "",
    upload=None,
    files: Iterable = (),
    paths: list[str] | None = None,
    dockerfile_path: str = "Dockerfile",
) -> bytes:
    """The context as an uncompressed tar, with the Dockerfile at `dockerfile_path`."""
    dockerfile_path = _clean_path(dockerfile_path or "Dockerfile")
    files = list(files)
    if upload is None and not files and not dockerfile.strip():
        raise ValidationError(
            {"dockerfile": "Type a Dockerfile, or upload a build context (a tar, tar.gz or a folder)."},
            code="no_context",
        )
    out = io.BytesIO()
    names: set[str] = set()
    with tarfile.open(fileobj=out, mode="w:") as archive:
        if upload is not None:
            with tarfile.open(fileobj=io.BytesIO(_read_upload(upload)), mode="r:") as source:
                for member in source.getmembers():
                    name = posixpath.normpath(member.name).lstrip("/")
                    if dockerfile.strip() and name == dockerfile_path:
                        continue
                    names.add(name)
                    archive.addfile(member, source.extractfile(member) if member.isfile() else None)
        if files:
            total = 0
            for upload_file, name in zip(files, _folder_paths(files, paths), strict=True):
                total += upload_file.size
                if total > _limit():
                    raise _too_large()
                names.add(name)
                _add(archive, name, upload_file.read())
        if dockerfile.strip():
            _add(archive, dockerfile_path, dockerfile.encode())
            names.add(dockerfile_path)
    if dockerfile_path not in names:
        raise ValidationError(
            {"dockerfile": f"The build context has no {dockerfile_path}: add one, or type it in."},
            code="no_dockerfile",
        )
    if out.tell() > _limit():
        raise _too_large()
    return out.getvalue()


def _folder_paths(files: list, paths: list[str] | None) -> list[str]:
    """Each file's path in the context. A folder upload names files "folder/…": the folder itself
    is the context, so a common first segment is dropped."""
    if paths is None or len(paths) != len(files):
        paths = [f.name for f in files]
    cleaned = [_clean_path(p) for p in paths]
    roots = {p.split("/", 1)[0] for p in cleaned}
    if len(roots) == 1 and all("/" in p for p in cleaned):
        cleaned = [p.split("/", 1)[1] for p in cleaned]
    return cleaned
