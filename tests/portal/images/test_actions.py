"""Image actions through the API: registry credentials go with the one task that needs them, and
a refused request records and sends nothing."""

import pytest

from portal.operations.models import Operation
from tests.portal.factories import developer_on, make_team
from tests.portal.registries.conftest import make_registry

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pull_with_a_registry_sends_its_credentials_with_that_task_only(as_admin, host, sent):
    registry = make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    response = as_admin.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "127.0.0.1:5000/team/app:1", "registry": registry.pk},
        format="json",
    )

    assert response.status_code == 202, response.content
    [(_, operation, auth)] = sent
    assert auth == {"username": "berth", "password": "s3cret-pass", "serveraddress": "127.0.0.1:5000"}
    assert "s3cret-pass" not in response.content.decode() and "s3cret-pass" not in str(operation)
    assert "s3cret-pass" not in str(list(Operation.objects.values()))


def test_a_registrys_credentials_never_go_to_another_registry(as_admin, host, sent):
    registry = make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    response = as_admin.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "evil.example:5000/app", "registry": registry.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "registry_mismatch"
    assert "write the reference as 127.0.0.1:5000/" in response.json()["detail"]
    assert not sent and not Operation.objects.exists()


def test_without_a_registry_named_the_one_usable_registry_at_that_address_lends_its_credentials(as_admin, host, sent):
    make_registry(url="http://127.0.0.1:5000", username="berth", password="s3cret-pass")

    named = as_admin.post("/api/v1/images/pull/", {"host": host.pk, "reference": "127.0.0.1:5000/a:1"}, format="json")
    elsewhere = as_admin.post("/api/v1/images/pull/", {"host": host.pk, "reference": "busybox:1"}, format="json")

    assert named.status_code == elsewhere.status_code == 202
    assert [auth for _, _, auth in sent] == [
        {"username": "berth", "password": "s3cret-pass", "serveraddress": "127.0.0.1:5000"},
        None,
    ]


def test_a_registry_the_user_may_not_see_is_a_404(api, host, sent):
    developer_on(api, host)
    hidden = make_registry(url="http://127.0.0.1:5000", team=make_team())

    response = api.post(
        "/api/v1/images/pull/",
        {"host": host.pk, "reference": "127.0.0.1:5000/a:1", "registry": hidden.pk},
        format="json",
    )

    assert response.status_code == 404
    assert not sent


def test_a_build_context_over_the_cap_is_refused_before_anything_is_stored(as_admin, host, sent, settings, monkeypatch):
    import io
    import tarfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.BERTH_BUILD_CONTEXT_MAX_MB = 0.01  # about 10 KB
    stored = []
    monkeypatch.setattr("portal.images.transfers.send_upload", lambda *args: stored.append(args))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, size in (("Dockerfile", 20), ("big.bin", 50_000)):
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(b"x" * size))
    upload = SimpleUploadedFile("context.tar", buffer.getvalue())

    response = as_admin.post("/api/v1/images/build/", {"host": host.pk, "context": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == "context_too_large"
    assert "larger than 0.01 MB" in response.json()["detail"]
    assert not stored and not sent and not Operation.objects.exists()
