"""Networks and volumes (issue 14) in the portal: records from what the engine lists become rows
(with the containers that use them, linked), snapshots remove what is gone, the lists filter and
cost a pinned number of queries, and each action refuses what the engine would, before sending."""

from datetime import timedelta

import pytest

from engine.networks import network_from_list, network_users
from engine.volumes import volume_from_list, volume_users
from portal.ingest.reports import apply_host_report
from portal.networks.models import Network
from portal.operations.models import Operation
from portal.volumes.models import Volume
from tests.portal.clock import T0
from tests.portal.factories import developer_on, make_container, make_network, make_online_host, make_volume

pytestmark = pytest.mark.django_db

LISTED = {
    "Id": "n" * 64,
    "Name": "back",
    "Driver": "bridge",
    "Scope": "local",
    "Created": "2030-01-01T11:00:00.5Z",
    "Internal": True,
    "IPAM": {"Config": [{"Subnet": "10.1.0.0/24", "Gateway": "10.1.0.1"}]},
    "Labels": {"team": "web"},
}
CONTAINER = {
    "Id": "c" * 64,
    "Names": ["/api"],
    "NetworkSettings": {"Networks": {"back": {"NetworkID": "n" * 64, "IPAddress": "10.1.0.5", "IPPrefixLen": 24}}},
    "Mounts": [{"Type": "volume", "Name": "data", "Destination": "/var/data", "RW": False}],
}


def send(worker, offset=1, **inventory):
    report = worker.inventory()
    report["inventory"].update(inventory)
    apply_host_report(report, now=T0 + timedelta(seconds=offset))


def records():
    network = network_from_list(LISTED, network_users([CONTAINER])["n" * 64]).to_wire()
    volume = volume_from_list(
        {"Name": "data", "Driver": "local", "Mountpoint": "/m"}, volume_users([CONTAINER])["data"]
    )
    return network, volume.to_wire()


def test_records_become_rows_with_their_users_and_a_snapshot_removes_what_it_no_longer_lists(worker):
    network, volume = records()
    send(worker, networks=[network], volumes=[volume])

    row = Network.objects.get()
    assert (row.name, row.driver, row.internal, row.subnets) == ("back", "bridge", True, ["10.1.0.0/24"])
    assert row.containers == [
        {"engine_id": "c" * 64, "name": "api", "ipv4_address": "10.1.0.5/24", "ipv6_address": "", "mac_address": ""}
    ]
    assert Volume.objects.get().containers == [
        {"engine_id": "c" * 64, "name": "api", "destination": "/var/data", "rw": False}
    ]

    # A snapshot of containers and images says nothing of networks and volumes...
    send(worker, 2, snapshot={"container_ids": [], "image_ids": []})
    assert Network.objects.live().count() == Volume.objects.live().count() == 1
    # ...one of networks and volumes does.
    send(worker, 3, snapshot={"network_ids": [], "volume_ids": []})
    assert Network.objects.live().count() == Volume.objects.live().count() == 0
    assert Network.objects.get().removed_at is not None


def test_a_late_record_does_not_bring_back_a_removed_network(worker):
    network, _ = records()
    early = worker.inventory()
    early["inventory"]["networks"] = [network]
    send(worker, 1, removed_networks=[network["engine_id"]])

    apply_host_report(early, now=T0 + timedelta(seconds=2))

    assert Network.objects.get().is_removed


def test_the_lists_link_containers_filter_and_cost_the_same_queries_however_many_rows(
    as_admin, django_assert_num_queries
):
    hosts = [make_online_host(f"h-{i}") for i in range(3)]
    for i, host in enumerate(hosts):
        user = make_container(host, f"user-{i}")
        for n in range(4):
            make_network(host, f"net-{i}-{n}", on=[user], subnet=f"10.{i}.{n}.0/24")
            make_volume(host, f"vol-{i}-{n}", used_by=[user] if n % 2 else [])

    with django_assert_num_queries(3):  # count, page, the linked containers (a superuser needs no scope)
        networks = as_admin.get("/api/v1/networks/").json()
    with django_assert_num_queries(3):
        volumes = as_admin.get("/api/v1/volumes/", {"dangling": "false"}).json()
    filtered = as_admin.get("/api/v1/networks/", {"host": hosts[1].pk, "q": "net-1-3"}).json()

    assert networks["count"] == 12 and volumes["count"] == 6
    first = networks["results"][0]
    assert first["containers"][0]["id"] == hosts[0].containers.get().pk
    assert [row["name"] for row in filtered["results"]] == ["net-1-3"]
    assert all(not row["dangling"] for row in volumes["results"])
    for i, host in enumerate(hosts):
        make_network(host, f"more-{i}", on=[make_container(host, f"more-{i}")])
    with django_assert_num_queries(3):
        assert as_admin.get("/api/v1/networks/").json()["count"] == 15


@pytest.fixture
def on_host(api, host, sent):
    developer_on(api, host)
    return api, host


@pytest.mark.django_db(transaction=True)
def test_network_creation_refuses_a_taken_name_an_overlapping_subnet_and_an_unknown_driver(on_host, sent):
    api, host = on_host
    make_network(host, "back", subnet="10.5.0.0/16")

    taken = api.post("/api/v1/networks/", {"host": host.pk, "name": "back"}, format="json")
    overlap = api.post("/api/v1/networks/", {"host": host.pk, "name": "x", "subnet": "10.5.3.0/24"}, format="json")
    driver = api.post("/api/v1/networks/", {"host": host.pk, "name": "x", "driver": "weave"}, format="json")
    gateway = api.post(
        "/api/v1/networks/",
        {"host": host.pk, "name": "x", "subnet": "10.6.0.0/24", "gateway": "10.7.0.1"},
        format="json",
    )
    made = api.post(
        "/api/v1/networks/",
        {"host": host.pk, "name": "x", "subnet": "10.6.0.0/24", "labels": {"a": "b"}},
        format="json",
    )

    assert (taken.status_code, taken.json()["code"]) == (409, "name_in_use")
    assert (overlap.status_code, overlap.json()["code"]) == (409, "subnet_overlap")
    assert "overlaps 10.5.0.0/16 of network back" in overlap.json()["detail"]
    assert (driver.status_code, driver.json()["code"]) == (400, "unknown_driver")
    assert gateway.status_code == 400 and "not in the subnet" in gateway.json()["detail"]
    assert made.status_code == 202
    [(_, operation, _)] = sent
    assert operation["kind"] == "network.create" and operation["params"]["labels"] == {"a": "b"}


@pytest.mark.django_db(transaction=True)
def test_network_removal_and_connection_refuse_what_the_engine_would(on_host, sent):
    api, host = on_host
    web, other = make_container(host, "web"), make_container(host, "other")
    busy = make_network(host, "busy", on=[web], subnet="10.8.0.0/24")

    active = api.delete(f"/api/v1/networks/{busy.pk}/")
    builtin = api.delete(f"/api/v1/networks/{make_network(host, 'bridge').pk}/")
    again = api.post(f"/api/v1/networks/{busy.pk}/connect/", {"container": web.pk}, format="json")
    outside = api.post(
        f"/api/v1/networks/{busy.pk}/connect/", {"container": other.pk, "ipv4_address": "10.9.0.2"}, format="json"
    )
    taken = api.post(
        f"/api/v1/networks/{busy.pk}/connect/", {"container": other.pk, "ipv4_address": "10.8.0.10"}, format="json"
    )
    off = api.post(f"/api/v1/networks/{busy.pk}/disconnect/", {"container": other.pk}, format="json")
    host_net = api.post(
        f"/api/v1/networks/{make_network(host, 'host', driver='host').pk}/connect/",
        {"container": other.pk},
        format="json",
    )

    assert (active.status_code, active.json()["code"]) == (409, "active_endpoints") and "web" in active.json()["detail"]
    assert (builtin.status_code, builtin.json()["code"]) == (409, "predefined")
    assert (again.status_code, again.json()["code"]) == (409, "already_connected")
    assert (outside.status_code, outside.json()["code"]) == (400, "invalid_address")
    assert (taken.status_code, taken.json()["code"]) == (409, "address_in_use")
    assert (off.status_code, off.json()["code"]) == (409, "not_connected")
    assert (host_net.status_code, host_net.json()["code"]) == (403, "dangerous_option")
    assert not sent and not Operation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_volume_actions_refuse_a_host_path_a_taken_name_and_removal_while_in_use(on_host, sent):
    api, host = on_host
    web = make_container(host, "web")
    used = make_volume(host, "data", used_by=[web])

    bind = api.post(
        "/api/v1/volumes/",
        {"host": host.pk, "name": "etc", "driver_opts": {"type": "none", "o": "bind", "device": "/etc"}},
        format="json",
    )
    taken = api.post("/api/v1/volumes/", {"host": host.pk, "name": "data"}, format="json")
    driver = api.post("/api/v1/volumes/", {"host": host.pk, "name": "new", "driver": "rexray"}, format="json")
    in_use = api.delete(f"/api/v1/volumes/{used.pk}/")
    assert not sent
    forced = api.delete(f"/api/v1/volumes/{used.pk}/?force=true")
    tmpfs = api.post(
        "/api/v1/volumes/", {"host": host.pk, "driver_opts": {"type": "tmpfs", "device": "tmpfs"}}, format="json"
    )

    assert (bind.status_code, bind.json()["code"]) == (403, "dangerous_option")
    assert "volume etc (binds host path /etc)" in bind.json()["detail"]
    assert (taken.status_code, taken.json()["code"]) == (409, "name_in_use")
    assert (driver.status_code, driver.json()["code"]) == (400, "unknown_driver")
    assert (in_use.status_code, in_use.json()["code"]) == (409, "volume_in_use") and "web" in in_use.json()["detail"]
    assert forced.status_code == tmpfs.status_code == 202
    assert next(task["params"] for _, task, _ in sent) == {
        "name": "data",
        "force": True,
        "container_ids": [web.engine_id],
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/networks/", {"name": "bad name!"}),
        ("/api/v1/networks/", {"name": "x", "subnet": "10.0.0.1/24"}),
        ("/api/v1/networks/", {"name": "x", "subnet": "10.0.0.0/24", "ip_range": "fd00::/64"}),
        ("/api/v1/networks/", {"name": "x", "labels": "not an object"}),
        ("/api/v1/networks/", {"name": "x", "internal": "perhaps"}),
        ("/api/v1/volumes/", {"name": "x"}),
        ("/api/v1/volumes/", {"name": "ok", "driver_opts": ["="]}),
        ("/api/v1/networks/prune/", {"host": "many"}),
    ],
)
def test_bad_input_is_a_400_with_a_sentence_never_a_500(on_host, sent, path, body):
    api, host = on_host

    response = api.post(path, {"host": host.pk, **body}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["detail"] and not sent


@pytest.mark.django_db(transaction=True)
def test_bad_connect_input_is_a_400(on_host, sent):
    api, host = on_host
    network = make_network(host, "back", subnet="10.8.0.0/24")

    for body in (
        {"container": "abc"},
        {"container": 1, "ipv4_address": "999.1.1.1"},
        {"container": 1, "aliases": "web"},
    ):
        assert api.post(f"/api/v1/networks/{network.pk}/connect/", body, format="json").status_code == 400
    assert api.delete(f"/api/v1/volumes/{make_volume(host, 'v1').pk}/?force=perhaps").status_code == 400
    assert not sent
