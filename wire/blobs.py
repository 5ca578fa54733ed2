"""Big binaries between the web process and a host worker (build contexts, image archives):
chunks in a Redis list that expires, so nothing outlives its use by long, and neither side
holds a whole archive in memory."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

import redis

__all__ = ["BLOB_TTL", "BlobStore", "new_blob_key"]

BLOB_TTL = 3600  # seconds
CHUNK = 1 << 20


def new_blob_key(kind: str) -> str:
    return f"berth:blob:{kind}:{secrets.token_hex(16)}"


class BlobStore:
    """Write a blob as chunks, read it back chunk by chunk. Keys are made by new_blob_key."""

    def __init__(self, client: redis.Redis, ttl: int = BLOB_TTL):
        self.client = client
        self.ttl = ttl

    def write(self, key: str, chunks: Iterable[bytes], limit: int | None = None) -> int:
        """Store `chunks` under `key`; answers the size. Over `limit` bytes: ValueError, nothing kept."""
        size, buffer = 0, bytearray()
        self.client.delete(key)
        try:
            for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise ValueError(f"larger than {limit} bytes")
                buffer += chunk
                while len(buffer) >= CHUNK:
                    self._push(key, bytes(buffer[:CHUNK]))
                    del buffer[:CHUNK]
            if buffer or size == 0:
                self._push(key, bytes(buffer))
        except BaseException:
            self.client.delete(key)
            raise
        return size

    def _push(self, key: str, data: bytes) -> None:
        pipe = self.client.pipeline()
        pipe.rpush(key, data)
        pipe.expire(key, self.ttl)
        pipe.execute()

    def exists(self, key: str) -> bool:
        return bool(self.client.exists(key))

    def read(self, key: str) -> Iterator[bytes]:
        """The chunks, one Redis read each; a blob that expired yields nothing."""
        index = 0
        while True:
            chunk = self.client.lindex(key, index)
            if chunk is None:
                return
            yield chunk
            index += 1

    def delete(self, key: str) -> None:
        self.client.delete(key)
