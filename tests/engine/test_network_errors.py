"""The engine's refusals of network and volume actions as sentences with stable codes (no engine
needed: the texts are the engine's own)."""

import pytest

from engine.errors import explain_text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("network with name back already exists", "name_in_use"),
        ("Pool overlaps with other one on this address space", "subnet_overlap"),
        ("error while removing network: network back id 3f has active endpoints", "active_endpoints"),
        ("remove data: volume is in use - [4a1b]", "volume_in_use"),
        ('plugin "weave" not found', "unknown_driver"),
        ('error looking up volume plugin rexray: plugin "rexray" not found', "unknown_driver"),
        ("endpoint with name web already exists in network back", "already_connected"),
        ("container 4a1b is not connected to network back", "not_connected"),
    ],
)
def test_network_and_volume_refusals_have_codes(text, code):
    assert explain_text(text, "back").code == code
