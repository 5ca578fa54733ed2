"""Build contexts from what a browser sends: a folder's files, an archive, a typed Dockerfile."""

import io
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.exceptions import ValidationError

from portal.images.build_context import make_context


def names(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
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
