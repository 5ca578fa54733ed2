"""The inventory sync: the portal's picture of this engine's containers and images, kept true.

One thread follows the engine's event stream; another (the syncer) turns what happened into
reports. The syncer takes a full snapshot at start, after every reconnect of the event stream
(the engine keeps only its last 256 events and drops a subscriber that lags), and every
`reconcile_every` seconds. Everything is observed and reported by the syncer alone, so the
order of `observed_seq` is the order of observation, which the portal uses to apply reports
in any order and still end up right.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from engine import Engine, EngineUnavailable
from engine.inventory import container_fingerprint, container_from_list
from wire.inventory import InventoryBatch, Snapshot
from wire.records import ContainerRecord, ImageRecord
from workers.reports import Reporter

__all__ = ["InventorySync"]

log = logging.getLogger(__name__)

# Container events that change nothing Berth shows.
IGNORED_CONTAINER_ACTIONS = ("exec_create", "exec_start", "exec_die", "exec_detach", "top", "export", "archive-path")
CHUNK = 200
RECONNECT_EVERY = 0.25  # seconds between tries at the event stream of an engine that does not answer


class InventorySync:
    # The engine events this sync follows (workers/attachments.py follows its own); a network's
    # connect and disconnect change a container's networks.
    event_types: tuple[str, ...] = ("container", "image", "network")

    def __init__(
        self,
        engine: Engine,
        reporter: Reporter,
        reconcile_every: float = 60.0,
        full_every: float = 600.0,
        batch_window: float = 0.02,
    ):
        self.engine = engine
        self.reporter = reporter
        self.reconcile_every = reconcile_every
        self.full_every = full_every
        self.batch_window = batch_window
        self.events: queue.Queue[dict | None] = queue.Queue()
        self._stop = threading.Event()
        self._snapshot_wanted = threading.Event()
        self._full_wanted = True
        # The first snapshot waits for the event stream to open (the watcher asks for it then).
        self._last_snapshot = self._last_full = time.monotonic()
        # What the portal was last sent: container fingerprints, image tags, image layers.
        self._containers: dict[str, tuple] = {}
        self._images: dict[str, tuple] = {}
        self._layers: dict[str, list[dict]] = {}
        self._threads: list[threading.Thread] = []
        self._stream = None

    # -- the event watcher ------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self._stream = self.engine.events(types=self.event_types)
                # The stream is open: whatever happens from now on arrives as an event, so a
                # snapshot taken now misses nothing.
                self._full_wanted = True
                self._snapshot_wanted.set()
                for event in self._stream:
                    self.events.put(event)
                if not self._stop.is_set():
                    log.warning("The engine closed its event stream; reconnecting")
            except EngineUnavailable as exc:
                log.debug("Event stream: %s", exc)
            except Exception:
                log.exception("Event stream failed; reconnecting")
                self._stop.wait(1.0)
                continue
            # An engine that went away (its dockerd restarted) is asked again soon: the snapshot
            # that makes the inventory exact again waits for the stream to be open.
            self._stop.wait(RECONNECT_EVERY)

    # -- the syncer ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._cycle()
            except EngineUnavailable as exc:
                log.debug("Inventory sync paused: %s", exc)
                self._full_wanted = True
                self._stop.wait(1.0)
            except Exception:
                log.exception("Inventory sync failed; taking a full snapshot next")
                self._full_wanted = True
                self._snapshot_wanted.set()
                self._stop.wait(1.0)

    def _cycle(self) -> None:
        now = time.monotonic()
        if self._snapshot_wanted.is_set() or now - self._last_snapshot >= self.reconcile_every:
            self._snapshot_wanted.clear()
            self.snapshot(full=self._full_wanted or now - self._last_full >= self.full_every)
        batch = self._next_batch(timeout=0.5)
        if batch:
            self.delta(batch)

    def _next_batch(self, timeout: float) -> list[dict]:
        try:
            first = self.events.get(timeout=timeout)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_window
        while (left := deadline - time.monotonic()) > 0:
            try:
                batch.append(self.events.get(timeout=left))
            except queue.Empty:
                break
        return [event for event in batch if event is not None]

    def _send(
        self,
        observed_seq: int,
        containers=(),
        images=(),
        removed_containers=(),
        removed_images=(),
        snapshot: Snapshot | None = None,
        networks=(),
        volumes=(),
        removed_networks=(),
        removed_volumes=(),
    ) -> bool:
        """Whether the portal's queue took it; when not, everything is sent again (in full) soon."""
        inventory = InventoryBatch(
            observed_seq=observed_seq,
            containers=[c.to_wire() for c in containers],
            images=[i.to_wire() for i in images],
            removed_containers=list(removed_containers),
            removed_images=list(removed_images),
            snapshot=snapshot,
            networks=[n.to_wire() for n in networks],
            volumes=[v.to_wire() for v in volumes],
            removed_networks=list(removed_networks),
            removed_volumes=list(removed_volumes),
        ).to_wire()
        if not self.reporter.send("inventory", inventory=inventory):
            # The portal did not get it: send everything again soon (not in a tight loop while
            # the broker is down).
            self._full_wanted = True
            self._snapshot_wanted.set()
            self._stop.wait(1.0)
            return False
        return True

    def _send_snapshot(self, observed_seq: int, snapshot: Snapshot, **changed: list) -> bool:
        """A snapshot's changed objects in reports of up to CHUNK each, its listing in the last of
        them. The portal worker's threads apply reports in any order: a listing sent on its own was
        at times applied before the objects it names, seen as a gap, and a needless full resync
        asked for (which took the host's resync slot from a real gap). One report when it fits."""
        starts = list(range(0, max(map(len, changed.values()), default=0), CHUNK)) or [0]
        return all(
            self._send(
                observed_seq,
                snapshot=snapshot if start == starts[-1] else None,
                **{name: items[start : start + CHUNK] for name, items in changed.items()},
            )
            for start in starts
        )

    def undelivered(self, what: str) -> None:
        """A snapshot part of which the broker did not take: what it listed is not taken as sent,
        and the next one is full (its baseline, and the wish for a full one, are left as they were)."""
        log.warning("%s snapshot not delivered (the broker does not answer); it is sent again in full", what)

    def snapshot(self, full: bool = False) -> None:
        """Report everything that exists now. `full` re-sends every object; otherwise only what
        changed since the last report, plus the ids of everything (so the portal drops the rest)."""
        if full:
            self._containers.clear()
            self._images.clear()
        observed = self.reporter.reserve_seq()
        listed = self.engine.list_containers()
        images = self.engine.list_images()
        changed: list[ContainerRecord] = []
        fingerprints = {}
        for item in listed:
            container_id = item.get("Id", "")
            fingerprints[container_id] = container_fingerprint(item)
            if self._containers.get(container_id) != fingerprints[container_id]:
                changed.append(self.engine.inspect_container(container_id) or container_from_list(item))
        changed_images = self._changed_images(images)
        delivered = self._send_snapshot(
            observed,
            Snapshot(frozenset(fingerprints), frozenset(i.engine_id for i in images)),
            containers=changed,
            images=changed_images,
        )
        if not delivered:
            return self.undelivered("Inventory")
        self._containers = fingerprints
        self._images = {i.engine_id: (tuple(i.tags), tuple(i.digests)) for i in images}
        self._layers = {k: v for k, v in self._layers.items() if k in self._images}
        self._mark_snapshot(full)
        log.info(
            "Inventory snapshot: %d containers (%d sent), %d images (%d sent)",
            len(listed),
            len(changed),
            len(images),
            len(changed_images),
        )

    def _mark_snapshot(self, full: bool) -> None:
        self._last_snapshot = time.monotonic()
        if full:
            self._last_full = self._last_snapshot
            self._full_wanted = False

    def _changed_images(self, images: list[ImageRecord]) -> list[ImageRecord]:
        changed = []
        for image in images:
            if self._images.get(image.engine_id) == (tuple(image.tags), tuple(image.digests)):
                continue
            if image.engine_id not in self._layers:
                layers = self.engine.image_layers(image.engine_id)
                if layers is not None:
                    self._layers[image.engine_id] = layers
            image.layers = self._layers.get(image.engine_id)
            changed.append(image)
        return changed

    def delta(self, events: list[dict]) -> None:
        """Report what a batch of engine events changed, read fresh from the engine."""
        container_ids: list[str] = []
        images_touched = False
        for event in events:
            kind = event.get("Type")
            action = str(event.get("Action") or event.get("status") or "")
            container_id = None
            if kind == "container" and not action.startswith(IGNORED_CONTAINER_ACTIONS):
                container_id = (event.get("Actor") or {}).get("ID") or event.get("id")
            elif kind == "network" and action in ("connect", "disconnect"):
                container_id = ((event.get("Actor") or {}).get("Attributes") or {}).get("container")
            if container_id and container_id not in container_ids:
                container_ids.append(container_id)
            if kind == "image" or (kind == "container" and action == "commit"):
                images_touched = True
        observed = self.reporter.reserve_seq()
        upserts, removed = [], []
        for container_id in container_ids:
            record = self.engine.inspect_container(container_id)
            if record is None:
                removed.append(container_id)
                self._containers.pop(container_id, None)
            else:
                upserts.append(record)
                self._containers[container_id] = _fingerprint_of(record)
        changed_images, removed_images = [], []
        if images_touched:
            images = self.engine.list_images()
            changed_images = self._changed_images(images)
            current = {i.engine_id for i in images}
            removed_images = [image_id for image_id in self._images if image_id not in current]
            self._images = {i.engine_id: (tuple(i.tags), tuple(i.digests)) for i in images}
        if upserts or removed or changed_images or removed_images:
            self._send(observed, upserts, changed_images, removed, removed_images)

    def request_full_snapshot(self) -> None:
        """Send everything again soon: the portal found a gap in what it was sent."""
        self._full_wanted = True
        self._snapshot_wanted.set()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        for target, name in ((self._watch, "berth-events"), (self._run, "berth-inventory")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self._stream is not None:
            try:
                self._stream.close()
            except Exception:  # closing a dead stream may raise; it is going away anyway
                log.debug("Closing the event stream failed", exc_info=True)
        self.events.put(None)
        for thread in self._threads:
            thread.join(timeout=5)


def _fingerprint_of(record: ContainerRecord) -> tuple:
    """The listing fingerprint of an inspected container, so the next snapshot sees it unchanged."""
    return container_fingerprint(
        {
            "State": record.state,
            "Names": ["/" + record.name],
            "ImageID": record.image_id,
            "Image": record.image,
            "Labels": record.labels,
        }
    )
