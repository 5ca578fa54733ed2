"""A build's context from what the browser or API sent: a tar/tar.gz upload, a folder upload
(files with their relative paths), a Dockerfile typed in, or a Dockerfile with a context.
Checked here — size cap, is it a tar, is there a Dockerfile — so a bad one is a 400, not a
failed build.

An archive is read as a stream: decompressed a window at a time and stopped as soon as what it
holds passes the cap, so a gzip bomb costs the web process no more than a buffer. The context
is written to a temporary file (in memory while small), never held whole.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from rest_framework.exceptions import ValidationError

__all__ = ["dockerfile_text", "make_context"]

GZIP_MAGIC = b"\x1f\x8b"
READ = 256 * 1024
IN_MEMORY = 1 << 20  # a context this small stays in memory; a larger one goes to a temporary file
DOCKERFILE_MAX = 1 << 20  # a Dockerfile sent as a file part


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


def _not_a_tar() -> ValidationError:
    return ValidationError(
        {"context": "The context is not a tar or tar.gz file: upload an archive, or the folder itself."},
        code="not_a_tar",
    )


class _Bounded(io.RawIOBase):
    """The upload as the tar it holds: gunzipped as it is read when it is a tar.gz, and stopped
    with the refusal once more than `limit` bytes came out."""

    def __init__(self, upload, limit: int):
        self.upload = upload
        self.limit = limit
        self.given = 0
        upload.seek(0)
        head = upload.read(2)
        self.pending = head
        self.inflate = zlib.decompressobj(wbits=31) if head == GZIP_MAGIC else None

    def readable(self) -> bool:
        return True

    def _raw(self, size: int) -> bytes:
        if self.pending:
            data, self.pending = self.pending, b""
            return data + self.upload.read(max(0, size - len(data)))
        return self.upload.read(size)

    def _inflated(self, size: int) -> bytes:
        while True:
            source = self.inflate.unconsumed_tail or self._raw(READ)
            if not source:
                return self.inflate.flush()
            try:
                data = self.inflate.decompress(source, size)
                if self.inflate.eof and self.inflate.unused_data:  # a second gzip member follows
                    rest, self.inflate = self.inflate.unused_data, zlib.decompressobj(wbits=31)
                    self.pending = rest
            except zlib.error:
                raise ValidationError(
                    {"context": "The context is not a valid tar.gz file."}, code="not_a_tar"
                ) from None
            if data:
                return data

    def readinto(self, buffer) -> int:
        size = min(len(buffer), READ)
        data = self._inflated(size) if self.inflate is not None else self._raw(size)
        self.given += len(data)
        if self.given > self.limit:
            raise _too_large()
        buffer[: len(data)] = data
        return len(data)


def make_context(
    *,
    dockerfile: str = "",
    upload=None,
    files: Iterable = (),
    paths: list[str] | None = None,
    dockerfile_path: str = "Dockerfile",
) -> IO[bytes]:
    """The context as an uncompressed tar, with the Dockerfile at `dockerfile_path`: a file
    positioned at its start (the caller closes it)."""
    dockerfile_path = _clean_path(dockerfile_path or "Dockerfile")
    files = list(files)
    if upload is None and not files and not dockerfile.strip():
        raise ValidationError(
            {"dockerfile": "Type a Dockerfile, or upload a build context (a tar, tar.gz or a folder)."},
            code="no_context",
        )
    # Not a `with`: the file outlives this call (the caller sends it, then closes it).
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
    try:
        names = _write_context(out, dockerfile, upload, files, paths, dockerfile_path)
        if dockerfile_path not in names:
            raise ValidationError(
                {"dockerfile": f"The build context has no {dockerfile_path}: add one, or type it in."},
                code="no_dockerfile",
            )
        if out.tell() > _limit():
            raise _too_large()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _write_context(out, dockerfile: str, upload, files: list, paths, dockerfile_path: str) -> set[str]:
    names: set[str] = set()
    with tarfile.open(fileobj=out, mode="w:") as archive:
        if upload is not None:
            if upload.size > _limit():
                raise _too_large()
            try:
                with tarfile.open(fileobj=io.BufferedReader(_Bounded(upload, _limit()), READ), mode="r|") as source:
                    for member in source:
                        name = posixpath.normpath(member.name).lstrip("/")
                        content = source.extractfile(member) if member.isfile() else None
                        if dockerfile.strip() and name == dockerfile_path:
                            continue
                        names.add(name)
                        archive.addfile(member, content)
            except (tarfile.TarError, EOFError):
                raise _not_a_tar() from None
        if files:
            total = 0
            for upload_file, name in zip(files, _folder_paths(files, paths), strict=True):
                total += upload_file.size
                if total > _limit():
                    raise _too_large()
                names.add(name)
                upload_file.seek(0)
                info = tarfile.TarInfo(name)
                info.size = upload_file.size
                info.mtime = int(time.time())
                info.mode = 0o644
                archive.addfile(info, upload_file)
        if dockerfile.strip():
            _add(archive, dockerfile_path, dockerfile.encode())
            names.add(dockerfile_path)
    return names


def dockerfile_text(upload) -> str:
    """A Dockerfile sent as a file part, as text; too big or not text: a 400 that says so."""
    if upload.size > DOCKERFILE_MAX:
        raise ValidationError(
            {"dockerfile": f"The Dockerfile is larger than {DOCKERFILE_MAX // 1024} KB: is it the right file?"},
            code="too_large",
        )
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"dockerfile": "The Dockerfile is not UTF-8 text."}, code="invalid") from None


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
