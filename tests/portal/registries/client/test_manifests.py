"""Reading manifests as registries serve them: sizes, platforms, and the old schema 1."""

import json

from portal.registries.client.manifests import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    DOCKER_V1_SIGNED,
    OCI_INDEX,
    Manifest,
    image_facts,
    platform_refs,
)


def test_the_size_of_an_image_is_its_config_and_layers():
    manifest = Manifest(
        DOCKER_MANIFEST,
        "sha256:a",
        {"config": {"size": 100, "digest": "sha256:c"}, "layers": [{"size": 1000}, {"size": 24}]},
        300,
    )

    facts = image_facts(
        manifest, {"architecture": "arm", "variant": "v7", "os": "linux", "created": "2026-01-01T00:00:00Z"}
    )

    assert (facts.size, facts.architecture, facts.variant, facts.created) == (1124, "arm", "v7", "2026-01-01T00:00:00Z")


def test_a_list_leaves_out_attestations_and_keeps_variants():
    body = {
        "manifests": [
            {"digest": "sha256:1", "platform": {"architecture": "amd64", "os": "linux"}},
            {"digest": "sha256:2", "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
            {"digest": "sha256:3", "platform": {"architecture": "unknown", "os": "unknown"}},
        ]
    }

    refs = platform_refs(Manifest(OCI_INDEX, "sha256:i", body, 1))

    assert [(r.digest, r.label) for r in refs] == [("sha256:1", "linux/amd64"), ("sha256:2", "linux/arm/v7")]
    assert Manifest(DOCKER_LIST, "sha256:l", body, 1).is_list


def test_a_schema_1_manifest_gives_its_architecture_and_creation_time():
    history = [{"v1Compatibility": json.dumps({"created": "2015-01-01T00:00:00Z"})}]
    manifest = Manifest(DOCKER_V1_SIGNED, "sha256:o", {"architecture": "amd64", "history": history}, 1)

    facts = image_facts(manifest, None)

    assert (facts.architecture, facts.created, facts.size) == ("amd64", "2015-01-01T00:00:00Z", None)
