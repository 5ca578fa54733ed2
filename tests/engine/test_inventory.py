"""Reading containers and images from what the engine lists and inspects."""

from engine.inventory import (
    container_fingerprint,
    container_from_inspect,
    container_from_list,
    image_from_list,
    image_layers,
)

LISTED = {
    "Id": "a" * 64,
    "Names": ["/web"],
    "Image": "nginx:1.27",
    "ImageID": "sha256:" + "b" * 64,
    "Command": "nginx -g 'daemon off;'",
    "Created": 1_700_000_000,
    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}],
    "Labels": {"team": "web"},
    "State": "running",
    "Status": "Up 3 minutes",
    "NetworkSettings": {"Networks": {"bridge": {}}},
    "Mounts": [{"Type": "volume", "Name": "data", "Source": "/var/lib/x", "Destination": "/data", "RW": True}],
}


def inspected(**state):
    return {
        "Id": "a" * 64,
        "Name": "/web",
        "Created": "2026-11-27T10:00:00.123Z",
        "Path": "nginx",
        "Args": ["-g", "daemon off;"],
        "State": {
            "Status": "exited",
            "ExitCode": 1,
            "StartedAt": "2026-11-27T10:00:01Z",
            "FinishedAt": "2026-11-27T11:00:00Z",
            **state,
        },
        "Image": "sha256:" + "b" * 64,
        "RestartCount": 2,
        "Config": {"Image": "nginx:1.27", "Labels": {"team": "web"}},
        "NetworkSettings": {
            "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None},
            "Networks": {"bridge": {}},
        },
        "Mounts": [],
    }


def test_a_listed_container_is_read_without_its_leading_slash_and_with_its_ports():
    record = container_from_list(LISTED)

    assert record.name == "web"
    assert record.state == "running"
    assert record.ports == [{"private_port": 80, "public_port": 8080, "ip": "0.0.0.0", "type": "tcp"}]
    assert record.mounts[0]["destination"] == "/data"
    assert record.networks == ["bridge"]
    assert record.created.startswith("2023-11-14")
    assert record.inspect is None


def test_an_inspected_container_keeps_its_exit_code_times_and_whole_inspect():
    record = container_from_inspect(inspected())

    assert record.state == "exited"
    assert record.exit_code == 1
    assert record.finished_at == "2026-11-27T11:00:00Z"
    assert record.command == "nginx -g daemon off;"
    assert record.restart_count == 2
    assert {"private_port": 443, "public_port": None, "ip": "", "type": "tcp"} in record.ports
    assert record.inspect["Name"] == "/web"


def test_a_running_container_has_no_exit_code_and_docker_zero_time_means_never():
    record = container_from_inspect(inspected(Status="running", ExitCode=0, FinishedAt="0001-01-01T00:00:00Z"))

    assert record.finished_at is None
    assert record.exit_code is None


def test_an_unknown_state_and_missing_fields_are_recorded_as_they_are(caplog):
    record = container_from_list({"Id": "c" * 64, "State": "Hibernating", "Ports": "junk", "Labels": None})

    assert record.state == "hibernating"
    assert record.name == "c" * 12
    assert record.ports == []
    assert record.labels == {}
    assert "does not know" in caplog.text


def test_the_fingerprint_ignores_the_ever_changing_status_text():
    later = {**LISTED, "Status": "Up 4 minutes"}
    stopped = {**LISTED, "State": "exited"}

    assert container_fingerprint(later) == container_fingerprint(LISTED)
    assert container_fingerprint(stopped) != container_fingerprint(LISTED)


def test_a_dangling_image_has_no_tags():
    record = image_from_list(
        {
            "Id": "sha256:d",
            "RepoTags": ["<none>:<none>"],
            "RepoDigests": ["<none>@<none>"],
            "Size": 10,
            "Created": 1_700_000_000,
        }
    )

    assert record.tags == []
    assert record.digests == []


def test_layers_run_base_to_top_and_instructions_without_a_layer_get_no_diff_id():
    history = [  # newest first, as the engine gives it
        {"Created": 3, "CreatedBy": "/bin/sh -c echo two > /two", "Size": 4},
        {"Created": 2, "CreatedBy": "/bin/sh -c #(nop)  ENV A=b", "Size": 0},
        {"Created": 1, "CreatedBy": "", "Size": 1000, "Comment": "Imported from -"},
    ]
    inspect = {"RootFS": {"Layers": ["sha256:base", "sha256:two"]}}

    layers = image_layers(inspect, history)

    assert [layer["diff_id"] for layer in layers] == ["sha256:base", None, "sha256:two"]
    assert [layer["size"] for layer in layers] == [1000, 0, 4]
    assert layers[0]["comment"] == "Imported from -"


def test_an_empty_run_step_still_gets_its_layer_when_the_counts_say_so():
    history = [
        {"Created": 2, "CreatedBy": "/bin/sh -c true", "Size": 0},
        {"Created": 1, "CreatedBy": "", "Size": 1000},
    ]

    layers = image_layers({"RootFS": {"Layers": ["sha256:base", "sha256:empty"]}}, history)

    assert [layer["diff_id"] for layer in layers] == ["sha256:base", "sha256:empty"]
