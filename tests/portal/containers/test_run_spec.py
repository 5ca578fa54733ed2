"""The run form's text forms, read the way `docker run` reads them."""

import pytest
from rest_framework.exceptions import ValidationError

from portal.containers.run_spec import parse_env, parse_memory, parse_port, parse_restart, parse_volume


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("80", {"container_port": 80, "host_port": None, "protocol": "tcp", "host_ip": ""}),
        ("8080:80", {"container_port": 80, "host_port": 8080, "protocol": "tcp", "host_ip": ""}),
        ("127.0.0.1:5353:53/udp", {"container_port": 53, "host_port": 5353, "protocol": "udp", "host_ip": "127.0.0.1"}),
        (
            {"container_port": 80, "host_port": 81},
            {"container_port": 80, "host_port": 81, "protocol": "tcp", "host_ip": ""},
        ),
    ],
)
def test_ports(text, expected):
    assert parse_port(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("data:/data", {"type": "volume", "source": "data", "target": "/data", "read_only": False}),
        ("/srv:/data:ro", {"type": "bind", "source": "/srv", "target": "/data", "read_only": True}),
        ("/cache", {"type": "anonymous", "source": "", "target": "/cache", "read_only": False}),
    ],
)
def test_volumes(text, expected):
    assert parse_volume(text) == expected


@pytest.mark.parametrize(
    ("parse", "bad"),
    [
        (parse_port, "0:80"),
        (parse_port, "a:b:c:d"),
        (parse_volume, "data:/x:rx"),
        (parse_volume, "bad name:/x"),
        (parse_env, ["A B=1"]),
        (parse_memory, "1k"),
        (parse_restart, "always:3"),
    ],
)
def test_mistakes_are_sentences(parse, bad):
    with pytest.raises(ValidationError) as error:
        parse(bad)
    assert str(error.value.detail[0]).endswith(".")


def test_memory_and_restart():
    assert parse_memory("1.5g") == int(1.5 * 1024**3)
    assert parse_restart("on-failure:5") == {"name": "on-failure", "maximum_retry_count": 5}
