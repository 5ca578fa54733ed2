"""Uploads through the real stack: build contexts and imports of 3 MB and 50 MB go through
(a bounded stream to the worker), bodies over the limit are refused before they are read with
nothing left behind, a gzip bomb costs the web process nothing much, and a Dockerfile may come
as a file part. Exports stream back."""

import http.client
import uuid

import pytest
import redis

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.image_archives import (
    context_tar,
    gzip_bomb,
    image_of_size,
    peak_rss_kb,
    reset_peak_rss,
    saved_archive,
)
from tests.support.operations import call, finished

MB = 1024 * 1024


def _operations(stack) -> int:
    return call(stack, "GET", "/api/v1/operations/").json()["count"]


def _transfer_keys(stack) -> set:
    """The transfers' keys in Redis now. Each must expire (a transfer given up elsewhere leaves
    its peer's last word for TTL seconds, no longer): a test compares them with those before it."""
    client = redis.Redis.from_url(stack.redis_url)
    keys = set(client.scan_iter("berth:transfer:*"))
    assert all(client.ttl(key) > 0 for key in keys), "a transfer key that never expires"
    return keys


@pytest.mark.parametrize("size_mb", [3, 50])
def test_a_context_uploaded_as_a_file_builds(stack, local_host, size_mb):
    tag = f"berth-test/upload-{uuid.uuid4().hex[:6]}:1"
    context = context_tar(f"FROM {IMAGE}\nLABEL {TEST_LABEL}\nCOPY blob.bin /blob.bin\n", size_mb * MB)

    answer = call(
        stack,
        "POST",
        "/api/v1/images/build/",
        data={"host": local_host["id"], "tag": tag},
        files={"context": ("c.tar", context)},
    )

    assert answer.status_code == 202, answer.text
    operation = finished(stack, answer.json(), timeout=120)
    assert operation["state"] == "succeeded", operation["error"]
    assert operation["params"]["context_size"] >= size_mb * MB
    docker("rmi", "-f", tag, check=False)


def test_a_dockerfile_may_come_as_a_file_part(stack, local_host):
    tag = f"berth-test/part-{uuid.uuid4().hex[:6]}:1"
    dockerfile = f"FROM {IMAGE}\nLABEL {TEST_LABEL}\n".encode()

    answer = call(
        stack,
        "POST",
        "/api/v1/images/build/",
        data={"host": local_host["id"], "tag": tag},
        files={"dockerfile": ("Dockerfile", dockerfile)},
    )

    assert answer.status_code == 202, answer.text
    assert finished(stack, answer.json(), timeout=60)["state"] == "succeeded"
    docker("rmi", "-f", tag, check=False)


@pytest.mark.parametrize("size_mb", [3, 50])
def test_an_image_of_any_size_imports_and_exports(stack, local_host, tmp_path, size_mb):
    keys_before = _transfer_keys(stack)
    reference = image_of_size(f"berth-test/import-{uuid.uuid4().hex[:6]}:1", size_mb * MB)
    archive = saved_archive(reference, tmp_path / "image.tar")
    docker("rmi", "-f", reference)

    with archive.open("rb") as handle:
        answer = call(
            stack, "POST", "/api/v1/images/import/", data={"host": local_host["id"]}, files={"archive": handle}
        )

    assert answer.status_code == 202, answer.text
    loaded = finished(stack, answer.json(), timeout=120)
    assert loaded["state"] == "succeeded", loaded["error"]
    assert loaded["result"]["loaded"] == [reference]

    from tests.support.processes import wait_until

    def listed():
        rows = call(stack, "GET", "/api/v1/images/", params={"host": local_host["id"], "q": reference}).json()
        return next((row for row in rows["results"] if reference in row.get("tags", [])), None)

    image = wait_until(listed, 30, what="the imported image to be listed")
    exported = finished(stack, call(stack, "POST", f"/api/v1/images/{image['id']}/export/").json())
    assert exported["state"] == "succeeded", exported["error"]
    download = call(stack, "GET", f"/api/v1/operations/{exported['id']}/download/", stream=True)
    assert download.status_code == 200
    size = sum(len(chunk) for chunk in download.iter_content(1 << 20))
    assert size >= size_mb * MB
    assert _transfer_keys(stack) <= keys_before
    docker("rmi", "-f", reference, check=False)


@pytest.mark.parametrize(
    ("path", "limit"), [("/api/v1/images/build/", "100 MB"), ("/api/v1/images/import/", "2048 MB")]
)
def test_a_body_over_the_limit_is_refused_before_it_is_sent(stack, local_host, path, limit):
    before, keys_before = _operations(stack), _transfer_keys(stack)
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    connection.putrequest("POST", path)
    for name, value in stack.headers().items():
        connection.putheader(name, value)
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(3 * 1024 * MB))
    connection.endheaders()  # not one byte of the body

    answer = connection.getresponse()

    assert answer.status == 400
    body = answer.read().decode()
    assert '"too_large"' in body and f"larger than {limit}" in body
    assert _operations(stack) == before and _transfer_keys(stack) <= keys_before


def test_a_gzip_bomb_costs_the_web_process_nothing_much(stack, local_host, tmp_path):
    web = next(p for p in stack.processes if p.name == "web").popen.pid
    bomb = gzip_bomb(tmp_path / "bomb.tgz", 2 * 1024 * MB)  # 2 MB that unpack to 2 GB
    reset_peak_rss(web)
    idle, _ = peak_rss_kb(web)
    before, keys_before = _operations(stack), _transfer_keys(stack)

    with bomb.open("rb") as handle:
        answer = call(
            stack, "POST", "/api/v1/images/build/", data={"host": local_host["id"]}, files={"context": handle}
        )

    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "context_too_large"
    assert "larger than 100 MB" in answer.json()["detail"]
    _, peak = peak_rss_kb(web)
    assert peak - idle < 50 * 1024, f"the web process grew from {idle} KB to {peak} KB"
    assert _operations(stack) == before and _transfer_keys(stack) <= keys_before
