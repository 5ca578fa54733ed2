"""What the browse pages and the API read from a registry: repositories (searched by name), tags
in natural order, each tag's details, and a search across many registries at once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from portal.registries.client import RegistryError, SearchHit, TagDetails
from portal.registries.connections import client_for
from portal.registries.encryption import SecretUnreadable
from portal.registries.models import Registry

__all__ = ["SearchAnswer", "repositories", "search_registries", "tag_details", "tag_names"]

SEARCH_LIMIT = 50


def repositories(registry: Registry, query: str = "") -> list[str]:
    """The registry's repositories whose name contains `query`; Docker Hub, which lists none,
    answers its search instead."""
    client = client_for(registry)
    query = query.strip().lower()
    if registry.is_docker_hub and query:
        return [hit.name for hit in client.search(query)]
    names = client.catalog()
    return [name for name in names if query in name] if query else names


def _natural(name: str):
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part]


def tag_names(registry: Registry, repository: str) -> list[str]:
    return sorted(client_for(registry).tags(repository), key=_natural)


def tag_details(registry: Registry, repository: str, tags: list[str]) -> list[TagDetails]:
    return client_for(registry).tag_details(repository, tags)


@dataclass(frozen=True)
class SearchAnswer:
    """Hits per registry that answered, and a sentence for each registry that did not."""

    hits: list[tuple[Registry, SearchHit]]
    failures: list[tuple[Registry, str]]


def _search_one(registry: Registry, term: str) -> list[SearchHit]:
    return client_for(registry).search(term, limit=SEARCH_LIMIT)


def search_registries(registries: list[Registry], term: str) -> SearchAnswer:
    """Searches every registry at once; one that fails is named with its reason, the others answer."""
    hits: list[tuple[Registry, SearchHit]] = []
    failures: list[tuple[Registry, str]] = []
    if not registries or not term.strip():
        return SearchAnswer(hits, failures)
    with ThreadPoolExecutor(max_workers=min(8, len(registries))) as pool:
        futures = [(registry, pool.submit(_search_one, registry, term)) for registry in registries]
        for registry, future in futures:
            try:
                hits.extend((registry, hit) for hit in future.result())
            except (RegistryError, SecretUnreadable) as exc:
                failures.append((registry, str(exc)))
    return SearchAnswer(hits, failures)
