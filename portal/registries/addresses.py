"""A registry's URL as a user types it, made canonical: scheme (https unless given), host, port."""

from urllib.parse import urlsplit

__all__ = ["InvalidAddress", "canonical_url"]


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
    if parts.path.strip("/") not in ("", "v2") or parts.query or parts.fragment:
        raise InvalidAddress("Give the registry's address only (scheme, host and port), without a path.")
    return f"{parts.scheme}://{parts.netloc}"
