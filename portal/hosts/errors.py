"""The API's answer when what was asked needs a host that is not answering."""

from rest_framework import status
from rest_framework.exceptions import APIException

from portal.hosts.choices import HostStatus

__all__ = ["HostOffline"]


class HostOffline(APIException):
    """503 with a sentence naming the host, why it is offline, and what that means for the request."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "host_offline"

    def __init__(self, host, consequence: str = "nothing was done. Try again when it is back."):
        why = (
            "its worker is not answering" if host.current_status != HostStatus.ONLINE else "its engine is not answering"
        )
        super().__init__(f"Host {host.name} is offline ({why}): {consequence}")
