"""The refusal when what was asked needs a host that is not usable now (Host.usable)."""

from portal.hosts.choices import HostStatus
from portal.refusals import Unavailable

__all__ = ["HostOffline"]

NOTHING_DONE = "nothing was done. Try again when it is back."


class HostOffline(Unavailable):
    """503 (a socket: 4503) with a sentence naming the host, why it is offline, and what that
    means for the request; without a consequence (a socket's close reason) the sentence is short."""

    code = "host_offline"

    def __init__(self, host, consequence: str | None = NOTHING_DONE):
        worker_down = host.current_status != HostStatus.ONLINE
        why = "its worker is not answering" if worker_down else "its engine is not answering"
        if consequence:
            sentence = f"Host {host.name} is offline ({why}): {consequence}"
        else:
            sentence = f"Host {host.name} is offline." if worker_down else f"Host {host.name} is offline ({why})."
        super().__init__(sentence)
