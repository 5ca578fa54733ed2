import pytest

from wire.names import host_queue, host_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("web-1", "web-1"),
        ("Web 1", "web-1"),
        ("  build.box_02  ", "build-box-02"),
        ("--edge--", "edge"),
        ("a" * 80, "a" * 60),
    ],
)
def test_a_host_name_becomes_a_queue_safe_slug(name, slug):
    assert host_slug(name) == slug


@pytest.mark.parametrize("name", ["", "   ", "---", "!!!", "ÄÖÜ"])
def test_a_name_without_letters_or_digits_is_refused_with_advice(name):
    with pytest.raises(ValueError, match="has no letters or digits; pick a name like 'web-1'"):
        host_slug(name)


def test_a_host_queue_is_named_after_its_slug():
    assert host_queue("web-1") == "host.web-1"


def test_given_the_longest_slug_then_a_host_workers_channels_are_valid_names():
    import asyncio

    from wire.layer import BerthChannelLayer, channel_layer_config
    from wire.names import host_channel_owner

    layer = BerthChannelLayer(**channel_layer_config("redis://127.0.0.1:1/0"), owner=host_channel_owner("a" * 60))
    channel = asyncio.run(layer.new_channel())

    assert layer.require_valid_channel_name(channel)
    assert host_channel_owner("web-1") != host_channel_owner("web-10")
