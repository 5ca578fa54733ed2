"""The portal's signing key: every task to a host is signed with it (wire.signing)."""

from __future__ import annotations

import os
import time
from functools import cache

from django.conf import settings

from wire.keys import PortalKey

__all__ = ["portal_key"]


@cache
def portal_key() -> PortalKey:
    """BERTH_PORTAL_KEY, else the key file in the data directory, made (0600) by whichever
    process of the portal gets there first."""
    if settings.BERTH_PORTAL_KEY:
        return PortalKey.from_text(settings.BERTH_PORTAL_KEY)
    path = settings.BERTH_PORTAL_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process may be writing it this very moment.
        for _ in range(50):
            if text := path.read_text().strip():
                return PortalKey.from_text(text)
            time.sleep(0.05)
        return PortalKey.from_text(path.read_text())
    key = PortalKey.generate()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.to_text() + "\n")
    return key
