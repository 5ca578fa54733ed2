"""Inventory versions: which of two reports about one object is newer, whatever order they arrive in.

A version is (host generation, observed_seq) packed into one integer. The generation grows each
time the portal adopts a new worker for the host, so anything a newer worker observed outranks
anything an older one did, even though each worker numbers its reports from 1.
"""

from wire.inventory import MAX_OBSERVED_SEQ
from wire.inventory import OBSERVED_SEQ_BITS as SEQ_BITS

__all__ = ["MAX_OBSERVED_SEQ", "inventory_version"]


def inventory_version(generation: int, observed_seq: int) -> int:
    if not 0 <= observed_seq <= MAX_OBSERVED_SEQ:
        raise ValueError(f"observed_seq {observed_seq} is outside 0..{MAX_OBSERVED_SEQ}")
    return (generation << SEQ_BITS) | observed_seq
