"""Big test inputs made offline: an image of a given size (`docker import` of a tar holding one
random file, labelled for clean-up) and build contexts and gzip bombs of a given size."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from tests.support.docker_cli import TEST_LABEL, docker

__all__ = ["context_tar", "gzip_bomb", "image_of_size", "peak_rss_kb", "reset_peak_rss", "saved_archive"]


class _Zeros(io.RawIOBase):
    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, view) -> int:
        n = min(len(view), self.left)
        view[:n] = bytes(n)
        self.left -= n
        return n


def context_tar(dockerfile: str, size: int) -> bytes:
    """A tar with the Dockerfile and a random file of `size` bytes (does not compress)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (("Dockerfile", dockerfile.encode()), ("blob.bin", os.urandom(size))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gzip_bomb(path: Path, size: int) -> Path:
    """A tar.gz of a Dockerfile and `size` zero bytes (about size/1000 on disk)."""
    with tarfile.open(path, mode="w:gz") as archive:
        info = tarfile.TarInfo("Dockerfile")
        info.size = 12
        archive.addfile(info, io.BytesIO(b"FROM scratch"))
        info = tarfile.TarInfo("zeros.bin")
        info.size = size
        archive.addfile(info, io.BufferedReader(_Zeros(size)))
    return path


def image_of_size(reference: str, size: int) -> str:
    """An image holding one random file of `size` bytes, made offline and labelled for clean-up."""
    with tempfile.TemporaryDirectory() as folder:
        blob = Path(folder) / "blob.bin"
        with blob.open("wb") as handle:
            for _ in range(size // (1 << 20)):
                handle.write(os.urandom(1 << 20))
        tar = Path(folder) / "root.tar"
        subprocess.run(["tar", "-C", folder, "-cf", str(tar), "blob.bin"], check=True)
        docker("import", "--change", f"LABEL {TEST_LABEL}", str(tar), reference)
    return reference


def saved_archive(reference: str, path: Path) -> Path:
    docker("save", "-o", str(path), reference)
    return path


def peak_rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def reset_peak_rss(pid: int) -> None:
    """Starts VmHWM again from the current RSS (Linux: clear_refs 5), so a peak is this test's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
