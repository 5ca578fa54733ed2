"""Build contexts from what a browser sends: a folder's files, an archive, a typed Dockerfile."""

import io
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.exceptions import ValidationError

from portal.images.build_context import make_context


def names(context) -> dict[str, bytes]:
    with context, tarfile.open(fileobj=context) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def test_a_folder_upload_is_the_context_without_its_own_name():
    files = [SimpleUploadedFile("Dockerfile", b"FROM x\n"), SimpleUploadedFile("a.txt", b"A")]

    context = make_context(files=files, paths=["app/Dockerfile", "app/src/a.txt"])

    assert names(context) == {"Dockerfile": b"FROM x\n", "src/a.txt": b"A"}


def test_a_typed_dockerfile_replaces_the_archives():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in (("Dockerfile", b"FROM old\n"), ("b.txt", b"B")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    upload = SimpleUploadedFile("c.tgz", buffer.getvalue())

    context = make_context(dockerfile="FROM new\n", upload=upload)

    assert names(context) == {"Dockerfile": b"FROM new\n", "b.txt": b"B"}


@pytest.mark.parametrize("path", ["../etc/passwd", "/"])
def test_paths_outside_the_context_are_refused(path):
    with pytest.raises(ValidationError):
        make_context(files=[SimpleUploadedFile("x", b"x")], paths=[path])


def _tar_gz_of_zeros(size: int) -> bytes:
    """A tar.gz holding one file of `size` zero bytes, written a MB at a time (a gzip bomb)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("Dockerfile")
        info.size = size

        class Zeros(io.RawIOBase):
            left = size

            def readable(self):
                return True

            def readinto(self, view):
                n = min(len(view), self.left)
                view[:n] = bytes(n)
                self.left -= n
                return n

        archive.addfile(info, io.BufferedReader(Zeros()))
    return buffer.getvalue()


def test_a_gzip_bomb_is_stopped_at_the_cap_as_it_is_decompressed(settings):
    import resource

    settings.BERTH_BUILD_CONTEXT_MAX_MB = 1
    bomb = _tar_gz_of_zeros(64 * 1024 * 1024)  # 64 KB that unpack to 64 MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(ValidationError) as refused:
        make_context(upload=SimpleUploadedFile("bomb.tgz", bomb))

    assert "larger than 1 MB" in str(refused.value.detail["context"])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 20 * 1024  # KB: far below 64 MB


def test_a_corrupt_tar_gz_and_a_file_that_is_no_tar_are_a_400():
    for data in (b"\x1f\x8b" + b"junk" * 300, b"x" * 2000):
        with pytest.raises(ValidationError) as refused:
            make_context(upload=SimpleUploadedFile("c.tgz", data))
        assert "not_a_tar" in str(refused.value.get_codes())


def test_a_large_context_goes_through_a_temporary_file_in_order():
    data = bytes(range(256)) * 12_000  # 3 MB
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in (("Dockerfile", b"FROM x\n"), ("big.bin", data)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))

    context = make_context(upload=SimpleUploadedFile("c.tgz", buffer.getvalue()))

    assert names(context) == {"Dockerfile": b"FROM x\n", "big.bin": data}
