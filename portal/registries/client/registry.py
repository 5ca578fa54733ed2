"""A client of the Registry HTTP API v2 for one registry: the connection check, the catalog and
tag lists (following `Link` pagination on the registry's own host), and each tag's digest, size,
creation time and architecture read from its manifest and config blob (at most MAX_PLATFORMS of a
manifest list's platforms)."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from . import manifests
from .errors import InvalidName, NotARegistry, NotFound, Unsupported, UntrustedHost
from .manifests import ImageFacts, Manifest, TagDetails
from .session import DEFAULT_TIMEOUT, RegistrySession

__all__ = ["DOCKER_HUB_HOSTS", "CheckResult", "RegistryClient", "SearchHit", "valid_repository", "valid_tag"]

DOCKER_HUB_HOSTS = {"registry-1.docker.io", "index.docker.io", "docker.io", "registry.hub.docker.com"}
DOCKER_HUB_SEARCH = "https://index.docker.io/v1/search"
# Names as the distribution spec defines them.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
# A catalog longer than this is cut: a browse page never needs more at once.
CATALOG_LIMIT = 100_000
PAGE = 1000
# A registry whose pages never end (or loop) is stopped here: CATALOG_LIMIT names in full pages, and some.
MAX_PAGES = 2 * CATALOG_LIMIT // PAGE
CONFIG_CACHE = 4096
# An image config holds its history, one entry per layer: far below this.
CONFIG_MAX_BYTES = 8 * 1024 * 1024
# A manifest list names one image per platform; Berth reads this many of them, no more (the
# biggest lists on Docker Hub have under 20).
MAX_PLATFORMS = 32


def valid_repository(name: str) -> bool:
    return len(name) <= 255 and bool(_REPOSITORY.fullmatch(name))


def valid_tag(name: str) -> bool:
    return bool(_TAG.fullmatch(name))


@dataclass(frozen=True)
class CheckResult:
    """A registry answered: whether it accepted credentials (or needed none), and the token service
    on another host it sent them to (empty when there is none, or it is on the registry's host)."""

    authenticated: bool
    message: str
    token_realm: str = ""


@dataclass(frozen=True)
class SearchHit:
    name: str
    description: str = ""


class RegistryClient:
    """The registry at `url`. Thread-safe: tag details are read concurrently."""

    def __init__(
        self,
        url: str,
        username: str = "",
        password: str = "",
        *,
        verify_tls: bool = True,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        concurrency: int = 8,
        token_realm: str = "",
        learn_realm: bool = False,
    ):
        """`token_realm`: the token service on another host an admin approved. `learn_realm`: this
        client checks a registry being saved, and accepts the one it names (https only)."""
        self.session = RegistrySession(
            url,
            username,
            password,
            verify_tls=verify_tls,
            timeout=timeout,
            token_realm=token_realm,
            learn_realm=learn_realm,
        )
        self.concurrency = concurrency
        self.is_docker_hub = (urlsplit(url).hostname or "") in DOCKER_HUB_HOSTS
        self._configs: OrderedDict[str, dict] = OrderedDict()
        self._configs_lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    # --- the connection -----------------------------------------------------------------------

    def check(self) -> CheckResult:
        """Asks /v2/ with the credentials. Raises the error of its kind when the registry does not
        answer, is not a registry, or refuses the credentials."""
        response = self.session.get("/v2/")
        version = response.headers.get("Docker-Distribution-API-Version", "")
        if not version.startswith("registry/2") and not _json_object(response):
            raise NotARegistry(f"{self.session.origin()} answered, but not as a registry (no Registry API v2 at /v2/).")
        realm = self.session.learned_realm if self.session.learn_realm else self.session.token_realm
        if self.session.has_credentials:
            message = f"The registry answered and accepted the credentials of {self.session.username}."
            if realm:
                message += f" They go to its token service at {realm} too."
            return CheckResult(True, message, realm)
        anonymous = "The registry answered; it allows anonymous access (no credentials are saved)."
        return CheckResult(False, anonymous, realm)

    # --- lists --------------------------------------------------------------------------------

    def catalog(self, limit: int = CATALOG_LIMIT) -> list[str]:
        """Every repository name (up to `limit`), in the registry's (lexical) order."""
        if self.is_docker_hub:
            raise Unsupported("Docker Hub does not list its repositories; search it by name instead.")
        return self._paged(f"/v2/_catalog?n={PAGE}", "repositories", "registry:catalog:*", limit)

    def tags(self, repository: str) -> list[str]:
        repository = self._repository(repository)
        try:
            return self._paged(
                f"/v2/{repository}/tags/list?n={PAGE}", "tags", f"repository:{repository}:pull", CATALOG_LIMIT
            )
        except NotFound:
            raise NotFound(f"There is no repository {repository} in {self.session.origin()}.") from None

    def _paged(self, path: str, key: str, scope: str, limit: int) -> list[str]:
        names: list[str] = []
        url = self.session.url(path)
        pages = 0
        while url and len(names) < limit and pages < MAX_PAGES:
            response = self.session.get(url, scope=scope)
            pages += 1
            body = _json_object(response)
            if body is None:
                raise NotARegistry(f"{self.session.origin()} answered {path.split('?')[0]} with something not JSON.")
            names.extend(str(name) for name in body.get(key) or [])
            following = response.links.get("next", {}).get("url")
            url = urljoin(url, following) if following else None
            if url and not self.session.on_own_host(url):
                raise UntrustedHost(
                    f"{self.session.origin()} put the next page of {path.split('?')[0]} on another host "
                    f"({self.session.origin(url)}): Berth follows pages on the registry's own host only."
                )
        return names[:limit]

    def search(self, term: str, limit: int = 100) -> list[SearchHit]:
        """Repositories whose name contains `term`: Docker Hub's search, or the catalog filtered."""
        term = term.strip().lower()
        if self.is_docker_hub:
            response = self.session.get_public(f"{DOCKER_HUB_SEARCH}?q={quote(term)}&n={min(limit, 100)}")
            results = (_json_object(response) or {}).get("results") or []
            return [SearchHit(str(r.get("name", "")), str(r.get("description") or "")) for r in results][:limit]
        return [SearchHit(name) for name in self.catalog() if term in name][:limit]

    # --- manifests ----------------------------------------------------------------------------

    def manifest(self, repository: str, reference: str) -> Manifest:
        repository = self._repository(repository)
        scope = f"repository:{repository}:pull"
        try:
            response = self.session.get(
                f"/v2/{repository}/manifests/{reference}", scope=scope, headers={"Accept": manifests.ACCEPT}
            )
        except NotFound:
            what = f"tag {reference}" if not reference.startswith("sha256:") else f"manifest {reference}"
            raise NotFound(f"There is no {what} in {repository} on {self.session.origin()}.") from None
        body = _json_object(response)
        if body is None:
            raise NotARegistry(f"{self.session.origin()} sent a manifest that is not JSON.")
        media_type = body.get("mediaType") or response.headers.get("Content-Type", "").split(";")[0]
        computed = "sha256:" + hashlib.sha256(response.content).hexdigest()
        digest = response.headers.get("Docker-Content-Digest") or computed
        return Manifest(media_type=media_type, digest=digest, body=body, size=len(response.content))

    def config(self, repository: str, digest: str) -> dict:
        """An image's config blob (content-addressed, so cached by digest)."""
        with self._configs_lock:
            if digest in self._configs:
                self._configs.move_to_end(digest)
                return self._configs[digest]
        repository = self._repository(repository)
        response = self.session.get(
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
            max_bytes=CONFIG_MAX_BYTES,
            blob=True,
        )
        algorithm, _, expected = digest.partition(":")
        if algorithm == "sha256" and hashlib.sha256(response.content).hexdigest() != expected:
            raise NotARegistry(f"{self.session.origin()} sent a config blob that does not match its digest {digest}.")
        config = _json_object(response) or {}
        with self._configs_lock:
            self._configs[digest] = config
            while len(self._configs) > CONFIG_CACHE:
                self._configs.popitem(last=False)
        return config

    def image(self, repository: str, manifest: Manifest) -> ImageFacts:
        config = self.config(repository, manifest.config_digest) if manifest.config_digest else None
        return manifests.image_facts(manifest, config)

    def tag(self, repository: str, tag: str) -> TagDetails:
        """One tag's digest, size, creation time and architecture (each platform's, for a list)."""
        if not valid_tag(tag):
            raise InvalidName(f"{tag!r} is not a valid tag name.")
        manifest = self.manifest(repository, tag)
        if not manifest.is_list:
            facts = self.image(repository, manifest)
            return TagDetails(
                tag, manifest.digest, manifest.media_type, facts.size, facts.created, facts.architecture, facts.os
            )
        platforms = []
        for ref in manifests.platform_refs(manifest)[:MAX_PLATFORMS]:
            facts = self.image(repository, self.manifest(repository, ref.digest))
            platforms.append(
                ImageFacts(
                    ref.digest,
                    facts.size,
                    facts.created,
                    ref.architecture or facts.architecture,
                    ref.os or facts.os,
                    ref.variant or facts.variant,
                )
            )
        created = max((p.created for p in platforms if p.created), default=None)
        architecture = ", ".join(
            "/".join(part for part in (p.architecture, p.variant) if part) for p in platforms if p.architecture
        )
        oses = sorted({p.os for p in platforms if p.os})
        return TagDetails(
            tag, manifest.digest, manifest.media_type, None, created, architecture, ", ".join(oses), platforms
        )

    def tag_details(self, repository: str, tags: list[str]) -> list[TagDetails]:
        """Details of each tag, read concurrently, in the order given."""
        repository = self._repository(repository)
        if len(tags) <= 1:
            return [self.tag(repository, tag) for tag in tags]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(tags))) as pool:
            return list(pool.map(lambda tag: self.tag(repository, tag), tags))

    def _repository(self, name: str) -> str:
        name = name.strip("/")
        if not valid_repository(name):
            raise InvalidName(
                f"{name!r} is not a valid repository name (lowercase letters, digits, separators, slashes)."
            )
        if self.is_docker_hub and "/" not in name:
            return f"library/{name}"
        return name


def _json_object(response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
