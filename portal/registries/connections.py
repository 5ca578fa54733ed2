"""One client per registry setting, kept for the process: Bearer tokens (per scope) and config
blobs (per digest) are reused from one page to the next. A changed URL, username, password, TLS
setting or pinned token service makes a new client."""

from __future__ import annotations

import threading
from collections import OrderedDict

from portal.registries.client import RegistryClient
from portal.registries.models import Registry

__all__ = ["client_for", "fresh_client"]

KEEP = 32
_clients: OrderedDict[tuple, RegistryClient] = OrderedDict()
_lock = threading.Lock()


def fresh_client(
    url: str, username: str, password: str, verify_tls: bool, token_realm: str = "", learn_realm: bool = False
) -> RegistryClient:
    return RegistryClient(
        url, username, password, verify_tls=verify_tls, token_realm=token_realm, learn_realm=learn_realm
    )


def client_for(registry: Registry) -> RegistryClient:
    key = (
        registry.pk,
        registry.url,
        registry.username,
        registry.password_sealed,
        registry.verify_tls,
        registry.token_realm,
    )
    with _lock:
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
    client = fresh_client(
        registry.url, registry.username, registry.password(), registry.verify_tls, registry.token_realm
    )
    with _lock:
        _clients[key] = client
        while len(_clients) > KEEP:
            _clients.popitem(last=False)[1].close()
    return client
