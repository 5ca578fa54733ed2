"""An image's tags, replaced to match each record the portal applies for it.

On one host a name (`repository:tag`) points at one image at most. When two images claim a name,
the claim from the newer observation wins; a removed image yields its names to any claim.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Q

from engine.reference import parse_reference
from portal.hosts.models import Host
from portal.images.models import Image, Tag
from portal.inventory.fields import Notes, RecordReader

__all__ = ["TagName", "replace_tags", "tag_names"]


class TagName(NamedTuple):
    repository: str
    tag: str


class _Holder(NamedTuple):
    tag_pk: int | None
    image_pk: int
    version: int
    removed: bool


def tag_names(tags: list[str], digests: list[str], reader: RecordReader) -> dict[TagName, str]:
    """`repository:tag` texts as names, each with the digest the engine knows for its repository."""
    digest_of = {}
    for text in digests:
        reference = parse_reference(text)
        if reference.digest:
            digest_of.setdefault(reference.repository, reference.digest[:128])
    names = {}
    for text in tags:
        reference = parse_reference(text)
        if not reference.repository or len(reference.repository) > 255 or len(reference.tag_or_default) > 128:
            reader.notes.add(f"{reader.label} has a tag Berth cannot store: {text!r:.80}")
            continue
        name = TagName(reference.repository, reference.tag_or_default)
        names[name] = digest_of.get(name.repository, "")
    return names


def replace_tags(host: Host, version: int, images: list[tuple[Image, dict[TagName, str]]], notes: Notes) -> set[int]:
    """Give each image (its record applied at `version`) exactly the names it claims, in a few
    queries. Returns the primary keys of the images whose tags changed, including those that
    lost a name to another."""
    if not images:
        return set()
    image_pks = {image.pk for image, _ in images}
    repositories = {name.repository for _, names in images for name in names}
    existing = Tag.objects.filter(host=host).filter(Q(image_id__in=image_pks) | Q(repository__in=repositories))
    holders: dict[TagName, _Holder] = {}
    held: dict[int, dict[TagName, tuple[int, str]]] = {}
    for pk, image_pk, repository, tag, digest, holder_version, removed_at in existing.values_list(
        "pk", "image_id", "repository", "tag", "digest", "image__version", "image__removed_at"
    ):
        name = TagName(repository, tag)
        holders[name] = _Holder(pk, image_pk, holder_version, removed_at is not None)
        if image_pk in image_pks:
            held.setdefault(image_pk, {})[name] = (pk, digest)

    to_delete: set[int] = set()
    to_create: list[Tag] = []
    changed: set[int] = set()
    for image, names in images:
        mine = held.get(image.pk, {})
        for name, (pk, digest) in mine.items():
            if names.get(name) != digest:
                to_delete.add(pk)
                changed.add(image.pk)
                if holders.get(name, _Holder(None, 0, 0, False)).tag_pk == pk:
                    del holders[name]
        for name, digest in names.items():
            if name in mine and mine[name][1] == digest:
                continue
            holder = holders.get(name)
            if holder is not None and holder.image_pk != image.pk:
                if holder.tag_pk is None:
                    notes.add(f"{name.repository}:{name.tag} is claimed by two images in one report (first kept)")
                    continue
                if not holder.removed and holder.version > version:
                    continue  # a newer observation put this name on another image
                to_delete.add(holder.tag_pk)
                changed.add(holder.image_pk)
            holders[name] = _Holder(None, image.pk, version, False)
            to_create.append(Tag(image=image, host=host, repository=name.repository, tag=name.tag, digest=digest))
            changed.add(image.pk)

    if to_delete:
        Tag.objects.filter(pk__in=to_delete).delete()
    if to_create:
        Tag.objects.bulk_create(to_create)
    return changed
