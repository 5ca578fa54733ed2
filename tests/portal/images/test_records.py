"""Image records applied: tags parsed and replaced, one image per name on a host, layers kept."""

from datetime import timedelta

import pytest

from portal.hosts.models import Host
from portal.images.models import Image, Tag
from portal.ingest.reports import apply_host_report
from tests.portal.clock import T0
from tests.portal.inventory.factories import InventoryWorker, image_id, image_record, snapshot_of

pytestmark = pytest.mark.django_db


def send(*reports) -> None:
    for offset, report in enumerate(reports, start=1):
        apply_host_report(report, now=T0 + timedelta(seconds=offset))


def tags_of(engine_id: str) -> list[tuple[str, str, str]]:
    return list(Tag.objects.filter(image__engine_id=engine_id).values_list("repository", "tag", "digest"))


def test_tags_are_split_into_repository_and_tag_even_behind_a_registry_port(worker):
    digest = "sha256:" + "d" * 64
    record = image_record(
        tags=["127.0.0.1:5000/team/app:1.0", "busybox:latest", "localhost:5000/plain:latest"],
        digests=[f"127.0.0.1:5000/team/app@{digest}"],
    )

    send(worker.inventory(images=[record]))

    assert tags_of(record["engine_id"]) == [
        ("127.0.0.1:5000/team/app", "1.0", digest),
        ("busybox", "latest", ""),
        ("localhost:5000/plain", "latest", ""),
    ]


def test_an_image_without_tags_is_dangling(worker):
    record = image_record(tags=[])

    send(worker.inventory(images=[record]))

    assert tags_of(record["engine_id"]) == []
    assert Image.objects.get().digests == []


def test_tags_are_replaced_to_match_each_record(worker):
    record = image_record(tags=["app:1", "app:latest"])
    send(worker.inventory(images=[record]))

    send(worker.inventory(images=[{**record, "tags": ["app:1", "app:2"]}]))

    assert [(r, t) for r, t, _ in tags_of(record["engine_id"])] == [("app", "1"), ("app", "2")]


def test_a_name_moved_to_a_new_image_leaves_the_old_one(worker):
    # Given app:latest on the old image
    old, new = image_record(tags=["app:latest", "app:1"]), image_record(tags=[])
    send(worker.inventory(images=[old, new]))

    # When the name moves (`docker tag`, or a pull) and only the new image is reported
    send(worker.inventory(images=[{**new, "tags": ["app:latest"]}]))

    # Then the old image keeps only what it still has
    assert [t for _, t, _ in tags_of(old["engine_id"])] == ["1"]
    assert [t for _, t, _ in tags_of(new["engine_id"])] == ["latest"]


def test_an_older_report_does_not_take_a_name_back(worker):
    # Given the name on the new image, reported after the old image's record was observed
    old, new = image_record(tags=["app:latest"]), image_record(tags=["app:latest"])
    earlier = worker.observe()
    send(worker.inventory(images=[new]))

    # When the old image's earlier record arrives late
    send(worker.inventory(images=[old], observed_seq=earlier))

    # Then the name stays where it was seen last, and the old image is recorded without it
    assert tags_of(new["engine_id"]) == [("app", "latest", "")]
    assert tags_of(old["engine_id"]) == []


def test_a_removed_image_keeps_its_tags_for_its_page_until_another_takes_them(worker):
    old = image_record(tags=["app:latest"])
    send(worker.inventory(images=[old]), worker.inventory(removed_images=[old["engine_id"]]))
    assert tags_of(old["engine_id"]) == [("app", "latest", "")]

    new = image_record(tags=["app:latest"])
    send(worker.inventory(images=[new]))

    assert tags_of(old["engine_id"]) == []
    assert tags_of(new["engine_id"]) == [("app", "latest", "")]


def test_two_images_claiming_one_name_in_one_report_do_not_fail_it(worker):
    first, second = image_record(tags=["app:latest"]), image_record(tags=["app:latest", "app:2"])

    send(worker.inventory(images=[first, second]))

    assert Tag.objects.filter(repository="app", tag="latest").count() == 1
    assert tags_of(second["engine_id"])[-1][:2] == ("app", "2")


def test_a_record_without_layers_keeps_the_layers_known(worker):
    diff_ids = ["sha256:" + "a" * 64, "sha256:" + "b" * 64]
    record = image_record(tags=["app:1"], diff_ids=diff_ids)
    send(worker.inventory(images=[record]))

    send(worker.inventory(images=[image_record(record["engine_id"], tags=["app:2"], with_layers=False)]))

    image = Image.objects.get()
    assert [layer["diff_id"] for layer in image.layers if layer["diff_id"]] == diff_ids
    assert tags_of(record["engine_id"])[0][:2] == ("app", "2")


def test_a_snapshot_removes_images_it_does_not_list_and_their_tags_stay_with_them(worker):
    kept, gone = image_record(tags=["kept:1"]), image_record(tags=["gone:1"])
    send(worker.inventory(images=[kept, gone]))

    send(worker.inventory(snapshot=snapshot_of(image_ids=[kept["engine_id"]])))

    assert list(Image.objects.live().values_list("engine_id", flat=True)) == [kept["engine_id"]]
    assert Image.objects.get(engine_id=gone["engine_id"]).removed_at is not None


def test_the_same_image_id_on_two_hosts_is_two_rows_with_their_own_tags():
    shared = image_id("busybox")
    for name, tag in (("Web 1", "one"), ("Web 2", "two")):
        worker = InventoryWorker(name)
        send(worker.report("hello"), worker.inventory(images=[image_record(shared, tags=[f"busybox:{tag}"])]))

    rows = Image.objects.filter(engine_id=shared).order_by("host__slug")
    assert [(i.host.slug, [str(t) for t in i.tags.all()]) for i in rows] == [
        ("web-1", ["busybox:one"]),
        ("web-2", ["busybox:two"]),
    ]
    assert Host.objects.get(slug="web-1").image_tags.count() == 1
