"""A registry's URL as a user types it, made canonical: scheme (https unless given), host, port.
And the registry an image reference names, read by Docker's own rules."""

from urllib.parse import urlsplit

__all__ = ["DOCKER_HUB_DOMAIN", "InvalidAddress", "canonical_url", "reference_domain"]

# What Docker calls Docker Hub in a reference, and the other name it takes for it
# (github.com/distribution/reference, normalize.go: defaultDomain, legacyDefaultDomain).
DOCKER_HUB_DOMAIN = "docker.io"
LEGACY_DOCKER_HUB_DOMAIN = "index.docker.io"


class InvalidAddress(ValueError):
    pass


def canonical_url(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidAddress("Enter the registry's URL, e.g. https://registry.example.com or http://10.0.0.5:5000.")
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise InvalidAddress(f"{text} is not a URL.") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidAddress("A registry URL starts with https:// (or http:// for a registry without TLS).")
    if not parts.hostname:
        raise InvalidAddress(f"{text} names no host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidAddress("Give the username and password in their own fields, not in the URL.")
    if parts.path.strip("/") not in ("", "v2") or parts.query or parts.fragment:
        raise InvalidAddress("Give the registry's address only (scheme, host and port), without a path.")
    # Host names are case-insensitive; one spelling lets a reference's registry be compared with it.
    return f"{parts.scheme}://{parts.netloc.lower()}"


def reference_domain(reference: str) -> str:
    """The registry an image reference names, as Docker finds it (normalize.go, splitDockerDomain):
    the part before the first slash when it has a dot, a colon or an upper-case letter, or is
    `localhost`; else Docker Hub, which `index.docker.io` names too. Lower case, for comparing."""
    first, slash, _ = reference.strip().partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return DOCKER_HUB_DOMAIN
    domain = first.lower()
    return DOCKER_HUB_DOMAIN if domain == LEGACY_DOCKER_HUB_DOMAIN else domain
