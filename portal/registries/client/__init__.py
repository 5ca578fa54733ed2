"""A client of the Registry HTTP API v2 (Docker's distribution spec). Plain Python over `requests`:
no Django here, so it can be read, tested and reused on its own."""

from .errors import (
    AuthRefused,
    Denied,
    InvalidName,
    NotARegistry,
    NotFound,
    RegistryError,
    RegistryUnreachable,
    TLSFailure,
    Unsupported,
)
from .manifests import ImageFacts, TagDetails
from .registry import DOCKER_HUB_HOSTS, CheckResult, RegistryClient, SearchHit, valid_repository, valid_tag

__all__ = [
    "DOCKER_HUB_HOSTS",
    "AuthRefused",
    "CheckResult",
    "Denied",
    "ImageFacts",
    "InvalidName",
    "NotARegistry",
    "NotFound",
    "RegistryClient",
    "RegistryError",
    "RegistryUnreachable",
    "SearchHit",
    "TLSFailure",
    "TagDetails",
    "Unsupported",
    "valid_repository",
    "valid_tag",
]
