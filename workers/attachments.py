"""The networks and volumes sync: the portal's picture of this engine's networks and volumes,
each with the containers that use it, kept true.

It works as the container and image sync does (workers/inventory.py: a snapshot at start, after
every reconnect of the event stream and every `reconcile_every` seconds; events in between), in
threads of its own, and alone observes networks and volumes, so their `observed_seq`s keep the
order of observation. Which containers use a network or volume is read from the container
listing, so a container's creation or removal re-reads them too; one listing of each kind per
batch of events is cheaper than an inspect per network and is never out of step with itself.
"""

from __future__ import annotations

import logging

from engine.networks import list_networks
from engine.volumes import list_volumes
from wire.inventory import Snapshot
from wire.records import NetworkRecord, VolumeRecord
from workers.inventory import CHUNK, InventorySync

__all__ = ["AttachmentSync"]

log = logging.getLogger(__name__)

# Container events that change who uses a network or volume, or what they are called.
CONTAINER_ACTIONS = frozenset({"create", "destroy", "rename", "start", "die"})


class AttachmentSync(InventorySync):
    event_types = ("network", "volume", "container")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What the portal was last sent, by engine id: each record's wire form.
        self._networks: dict[str, dict] = {}
        self._volumes: dict[str, dict] = {}

    def _read(self) -> tuple[list[NetworkRecord], list[VolumeRecord]]:
        containers = self.engine.list_containers()
        return list_networks(self.engine, containers), list_volumes(self.engine, containers)

    @staticmethod
    def _changed(records, sent: dict[str, dict]) -> list:
        return [record for record in records if sent.get(record.engine_id) != record.to_wire()]

    def snapshot(self, full: bool = False) -> None:
        """Report every network and volume (with `full`) or those that changed, then their ids."""
        if full:
            self._networks.clear()
            self._volumes.clear()
        observed = self.reporter.reserve_seq()
        networks, volumes = self._read()
        changed_networks = self._changed(networks, self._networks)
        changed_volumes = self._changed(volumes, self._volumes)
        for start in range(0, max(len(changed_networks), len(changed_volumes)), CHUNK):
            self._send(
                observed,
                networks=changed_networks[start : start + CHUNK],
                volumes=changed_volumes[start : start + CHUNK],
            )
        self._send(
            observed,
            snapshot=Snapshot(
                network_ids=frozenset(n.engine_id for n in networks), volume_ids=frozenset(v.engine_id for v in volumes)
            ),
        )
        self._networks = {n.engine_id: n.to_wire() for n in networks}
        self._volumes = {v.engine_id: v.to_wire() for v in volumes}
        self._mark_snapshot(full)
        log.info(
            "Attachments snapshot: %d networks (%d sent), %d volumes (%d sent)",
            len(networks),
            len(changed_networks),
            len(volumes),
            len(changed_volumes),
        )

    def delta(self, events: list[dict]) -> None:
        """Report what a batch of engine events changed: networks and volumes listed afresh."""
        if not any(_matters(event) for event in events):
            return
        observed = self.reporter.reserve_seq()
        networks, volumes = self._read()
        changed_networks = self._changed(networks, self._networks)
        changed_volumes = self._changed(volumes, self._volumes)
        gone_networks = sorted(set(self._networks) - {n.engine_id for n in networks})
        gone_volumes = sorted(set(self._volumes) - {v.engine_id for v in volumes})
        self._networks = {n.engine_id: n.to_wire() for n in networks}
        self._volumes = {v.engine_id: v.to_wire() for v in volumes}
        if changed_networks or changed_volumes or gone_networks or gone_volumes:
            self._send(
                observed,
                networks=changed_networks,
                volumes=changed_volumes,
                removed_networks=gone_networks,
                removed_volumes=gone_volumes,
            )


def _matters(event: dict) -> bool:
    kind = event.get("Type")
    action = str(event.get("Action") or event.get("status") or "")
    return kind in ("network", "volume") or (kind == "container" and action in CONTAINER_ACTIONS)
