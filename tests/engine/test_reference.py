"""Image references split the way Docker reads them."""

import pytest

from engine.reference import Reference, parse_reference

DIGEST = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", Reference("busybox")),
        ("busybox:latest", Reference("busybox", "latest")),
        ("library/busybox:1.36", Reference("library/busybox", "1.36")),
        ("127.0.0.1:5000/x/y:1.0", Reference("127.0.0.1:5000/x/y", "1.0")),
        ("127.0.0.1:5000/x/y", Reference("127.0.0.1:5000/x/y")),
        ("localhost:5000/app", Reference("localhost:5000/app")),
        ("registry.example.com/team/app:v2-rc.1", Reference("registry.example.com/team/app", "v2-rc.1")),
        (f"127.0.0.1:5000/x/y@{DIGEST}", Reference("127.0.0.1:5000/x/y", digest=DIGEST)),
        (f"app:1.0@{DIGEST}", Reference("app", "1.0", DIGEST)),
        ("app:", Reference("app")),
        ("  app:1  ", Reference("app", "1")),
    ],
)
def test_a_reference_is_split_into_repository_tag_and_digest(text, expected):
    assert parse_reference(text) == expected


def test_a_missing_tag_means_latest():
    assert parse_reference("127.0.0.1:5000/x/y").tag_or_default == "latest"
    assert parse_reference("app:1.0").tag_or_default == "1.0"


@pytest.mark.parametrize("text", ["busybox:latest", "127.0.0.1:5000/x/y:1.0", f"app@{DIGEST}", f"a/b:c@{DIGEST}"])
def test_a_reference_reads_back_as_written(text):
    assert str(parse_reference(text)) == text
