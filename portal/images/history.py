"""An image's layer stack, base to top, with the other images on its host that share each layer."""

from __future__ import annotations

from collections import defaultdict

from portal.images.models import Image, Tag

__all__ = ["layer_stack"]


def layer_stack(image: Image) -> list[dict]:
    """Each of the image's layers with `shared_with`: the other live images on the same host
    whose stacks hold the same layer (`diff_id`), as `{id, engine_id, tags}`. An instruction
    that made no layer shares nothing. Three queries, however many images the host has."""
    layers = [layer for layer in image.layers or [] if isinstance(layer, dict)]
    diff_ids = {layer.get("diff_id") for layer in layers} - {None}
    sharers: dict[str, list[int]] = defaultdict(list)
    others: dict[int, dict] = {}
    if diff_ids:
        candidates = Image.objects.live().filter(host_id=image.host_id).exclude(pk=image.pk)
        for pk, engine_id, other_layers in candidates.values_list("pk", "engine_id", "layers"):
            shared = diff_ids.intersection(
                layer.get("diff_id") for layer in other_layers or [] if isinstance(layer, dict)
            )
            for diff_id in shared:
                sharers[diff_id].append(pk)
            if shared:
                others[pk] = {"id": pk, "engine_id": engine_id, "tags": []}
        tags = Tag.objects.filter(image_id__in=others).order_by("repository", "tag")
        for image_pk, repository, tag in tags.values_list("image_id", "repository", "tag"):
            others[image_pk]["tags"].append(f"{repository}:{tag}")
    return [
        {**layer, "shared_with": [others[pk] for pk in sorted(sharers.get(layer.get("diff_id"), []))]}
        for layer in layers
    ]
