"""The networks and volumes sync: the portal's picture of this engine's networks and volumes,
each with the containers that use it, kept true.

It works as the container and image sync does (workers/inventory.py: a snapshot at start, after
every reconnect of the event stream and every `reconcile_every` seconds; events in between), in
threads of its own, and alone observes networks and volumes, so their `observed_seq`s keep the
order of observation. A volume's size comes from the engine's disk usage, which walks the
volume's files: it is asked at each snapshot only (every `reconcile_every` seconds), and the
sizes it gave are kept on the volumes the events re-read in between. Which containers use a
network or volume is read from the container listing, so a container's creation or removal
re-reads them too; one listing of each kind per batch of events is cheaper than an inspect per
network and is never out of step with itself.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from engine.networks import list_networks
from engine.volumes import list_volumes, volume_sizes
from wire.inventory import Snapshot
from wire.records import NetworkRecord, VolumeRecord
from workers.inventory import InventorySync

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
        # Volume name -> its size in bytes, as the last snapshot's disk usage said.
        self._sizes: dict[str, int] = {}

    def _read(self, joined: list[str] = ()) -> tuple[list[NetworkRecord], list[VolumeRecord]]:
        """Networks and volumes with who uses them. `joined`: containers a network event named,
        read by inspect: the engine tells of a connect before its listing shows it, while an
        inspect waits for the container to be done."""
        containers = {item.get("Id"): item for item in self.engine.list_containers()}
        for container_id in joined:
            record = self.engine.inspect_container(container_id)
            if record is None or record.inspect is None:
                continue
            inspect = record.inspect
            containers[container_id] = {
                **containers.get(container_id, {"Id": container_id, "Names": ["/" + record.name]}),
                "NetworkSettings": {"Networks": (inspect.get("NetworkSettings") or {}).get("Networks") or {}},
                "Mounts": inspect.get("Mounts") or [],
            }
        listing = list(containers.values())
        volumes = [
            replace(volume, size=self._sizes[volume.engine_id])
            if volume.size is None and volume.engine_id in self._sizes
            else volume
            for volume in list_volumes(self.engine, listing)
        ]
        return list_networks(self.engine, listing), volumes

    @staticmethod
    def _changed(records, sent: dict[str, dict]) -> list:
        return [record for record in records if sent.get(record.engine_id) != record.to_wire()]

    def snapshot(self, full: bool = False) -> None:
        """Report every network and volume (with `full`) or those that changed, then their ids."""
        if full:
            self._networks.clear()
            self._volumes.clear()
        observed = self.reporter.reserve_seq()
        if (sizes := volume_sizes(self.engine)) is not None:  # refused: the sizes it gave last time stand
            self._sizes = sizes
        networks, volumes = self._read()
        changed_networks = self._changed(networks, self._networks)
        changed_volumes = self._changed(volumes, self._volumes)
        delivered = self._send_snapshot(
            observed,
            Snapshot(
                network_ids=frozenset(n.engine_id for n in networks), volume_ids=frozenset(v.engine_id for v in volumes)
            ),
            networks=changed_networks,
            volumes=changed_volumes,
        )
        if not delivered:
            return self.undelivered("Attachments")
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
        joined = [
            container_id
            for event in events
            if event.get("Type") == "network"
            and (container_id := ((event.get("Actor") or {}).get("Attributes") or {}).get("container"))
        ]
        observed = self.reporter.reserve_seq()
        networks, volumes = self._read(list(dict.fromkeys(joined)))
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
