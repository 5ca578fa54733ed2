"""engine_info_from_api: what an engine says about itself, whatever shape it says it in."""

import pytest

from engine.info import EngineInfo, engine_info_from_api


def info_body(**overrides):
    body = {
        "ID": "ABCD:EFGH:IJKL",
        "Name": "build-box",
        "ServerVersion": "20.10.24",
        "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
        "KernelVersion": "6.1.0-18-amd64",
        "Architecture": "x86_64",
        "NCPU": 8,
        "MemTotal": 16_000_000_000,
        "Containers": 5,
        "ContainersRunning": 3,
        "ContainersPaused": 1,
        "ContainersStopped": 1,
        "Images": 12,
    }
    body.update(overrides)
    return body


def version_body(**overrides):
    body = {"Version": "20.10.24+dfsg1", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64"}
    body.update(overrides)
    return body


def test_a_full_answer_fills_every_field():
    # Given the bodies a Docker 20.10 engine answers with
    # When they become an EngineInfo
    info = engine_info_from_api(info_body(), version_body())

    # Then every field carries the engine's own value
    assert info == EngineInfo(
        engine_id="ABCD:EFGH:IJKL",
        hostname="build-box",
        engine_version="20.10.24+dfsg1",
        api_version="1.41",
        os="Debian GNU/Linux 12 (bookworm)",
        kernel="6.1.0-18-amd64",
        arch="x86_64",
        cpus=8,
        memory=16_000_000_000,
        containers=5,
        containers_running=3,
        containers_paused=1,
        containers_stopped=1,
        images=12,
    )
    assert info.as_dict()["api_version"] == "1.41"


def test_empty_answers_give_empty_values_rather_than_an_error():
    info = engine_info_from_api({}, {})

    assert info.engine_id == ""
    assert info.engine_version == ""
    assert info.api_version == ""
    assert info.cpus == 0
    assert info.memory == 0
    assert info.images == 0


def test_version_falls_back_to_what_info_says():
    # Given an engine whose /version body lacks the fields /info also carries
    info = engine_info_from_api(
        info_body(OperatingSystem=None, KernelVersion=None, Architecture=None),
        {"Os": "linux", "KernelVersion": "5.10", "Arch": "arm64"},
    )

    # Then the values come from wherever the engine put them
    assert info.engine_version == "20.10.24"
    assert info.os == "linux"
    assert info.kernel == "5.10"
    assert info.arch == "arm64"


@pytest.mark.parametrize("odd", [None, "", "many", [], {}, "12.5"])
def test_odd_numbers_become_zero(odd):
    info = engine_info_from_api(info_body(NCPU=odd, MemTotal=odd, Images=odd), version_body())

    assert (info.cpus, info.memory, info.images) == (0, 0, 0)


def test_numbers_sent_as_text_are_read():
    info = engine_info_from_api(info_body(NCPU="4", MemTotal="1024"), version_body())

    assert (info.cpus, info.memory) == (4, 1024)


def test_non_text_identity_fields_are_made_text():
    info = engine_info_from_api(info_body(ID=1234, Name=None), version_body(ApiVersion=1.41))

    assert info.engine_id == "1234"
    assert info.hostname == ""
    assert info.api_version == "1.41"
