"""Reading the engine's pull, push and build streams into per-layer progress and log lines.

Pull and push answer with one JSON object per line: `{"id": layer, "status": "Downloading",
"progressDetail": {"current", "total"}}` for a layer, `{"status": ...}` for the image, and
`{"error": ...}` when it failed half-way (the HTTP status was 200 by then). Builds answer with
`{"stream": text}` lines, `{"aux": {"ID": ...}}` for the image made, and `{"error": ...}`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["BuildLog", "LayerBoard", "LayerProgress"]

# Layer statuses in the order a layer goes through them; done ones count as complete.
DONE = {"Pull complete", "Already exists", "Pushed", "Layer already exists", "Mounted from"}
# Compose's words for a service (engine/compose.py's progress lines), where a phase ends.
DONE |= {"Pulled", "Created", "Started", "Running", "Healthy", "Stopped", "Removed", "Restarted", "Skipped"}
PHASES = {
    "Pulling fs layer": "waiting",
    "Waiting": "waiting",
    "Preparing": "waiting",
    "Downloading": "downloading",
    "Verifying Checksum": "downloading",
    "Download complete": "downloaded",
    "Extracting": "extracting",
    "Pushing": "pushing",
    # Compose, per service.
    "Pulling": "downloading",
    "Creating": "creating",
    "Recreate": "creating",
    "Recreated": "done",
    "Starting": "starting",
    "Stopping": "stopping",
    "Removing": "removing",
    "Restarting": "starting",
}


@dataclass
class LayerProgress:
    """One layer of a pull or push: its phase and, while moving bytes, how many of how many."""

    id: str
    status: str = ""
    phase: str = "waiting"
    current: int = 0
    total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LayerBoard:
    """Every layer seen so far, plus the image-level status lines and the error, if any."""

    layers: dict[str, LayerProgress] = field(default_factory=dict)
    status: str = ""
    error: str = ""
    digest: str = ""

    def apply(self, line: dict) -> LayerProgress | None:
        """Take one line of the stream; answers the layer it changed (None for an image-level line)."""
        if not isinstance(line, dict):
            return None
        if line.get("error"):
            self.error = str((line.get("errorDetail") or {}).get("message") or line["error"])
            return None
        status = str(line.get("status") or "")
        aux = line.get("aux") or {}
        if isinstance(aux, dict) and aux.get("Digest"):
            self.digest = str(aux["Digest"])
        layer_id = line.get("id")
        detail = line.get("progressDetail") or {}
        # Image-level lines carry the tag as their id ("latest: Pulling from …"): no progress detail.
        if not layer_id or (status.startswith("Pulling from") or status.startswith("The push refers")):
            if status:
                self.status = status if not layer_id else f"{layer_id}: {status}"
            return None
        layer = self.layers.setdefault(str(layer_id), LayerProgress(id=str(layer_id)))
        layer.status = status
        if any(status.startswith(done) for done in DONE):
            layer.phase = "done"
            layer.current = layer.total or layer.current
        else:
            phase = PHASES.get(status)
            if phase:
                # A phase that moves bytes counts its own; "Download complete" keeps the download's.
                if phase != layer.phase and phase in ("downloading", "extracting", "pushing"):
                    layer.current, layer.total = 0, 0
                layer.phase = phase
            if isinstance(detail, dict) and detail.get("total"):
                layer.current = int(detail.get("current") or 0)
                layer.total = int(detail.get("total") or 0)
            if phase == "downloaded":
                layer.current = layer.total
        return layer

    def snapshot(self) -> list[dict]:
        return [layer.as_dict() for layer in self.layers.values()]


@dataclass
class BuildLog:
    """A build's output as lines, the step it is on, the image it made, and its error."""

    step: str = ""
    image_id: str = ""
    error: str = ""
    _partial: str = ""

    def apply(self, line: dict) -> list[str]:
        """Take one line of the stream; answers the complete log lines it finished."""
        if not isinstance(line, dict):
            return []
        if line.get("error"):
            self.error = str((line.get("errorDetail") or {}).get("message") or line["error"]).strip()
            return [f"ERROR: {self.error}"]
        aux = line.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
        text = line.get("stream")
        if not isinstance(text, str):
            return []
        text = self._partial + text
        lines = text.split("\n")
        self._partial = lines.pop()
        out = [ln.rstrip("\r") for ln in lines]
        for ln in out:
            if ln.startswith("Step "):
                self.step = ln
        return out

    def flush(self) -> list[str]:
        rest, self._partial = self._partial, ""
        return [rest] if rest else []
