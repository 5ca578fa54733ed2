"""A host's usage figures travel in its heartbeat's engine facts, and a report whose figures are
not whole numbers of bytes is refused before anything is applied."""

import pytest

from wire.reports import InvalidReport, parse_report


def heartbeat(usage) -> dict:
    return {
        "kind": "heartbeat",
        "host": "web-1",
        "name": "Web 1",
        "instance": "i-1",
        "seq": 3,
        "engine": {"reachable": True, "info": {"memory": 1 << 30}, "usage": usage},
    }


def test_usage_is_read_with_the_engine_facts():
    report = parse_report(heartbeat({"disk_total": 100, "disk_used": 40}))
    assert report.engine.usage == {"disk_total": 100, "disk_used": 40}


@pytest.mark.parametrize(
    "usage",
    [
        "full",
        {"disk_total": "100"},
        {"disk_used": -1},
        {"disk_used": 1.5},
        {"disk_used": True},
        {"load": 3},
    ],
)
def test_odd_usage_is_refused_with_a_sentence(usage):
    with pytest.raises(InvalidReport, match="usage"):
        parse_report(heartbeat(usage))
