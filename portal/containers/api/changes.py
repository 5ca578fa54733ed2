"""`GET /api/v1/containers/{id}/diff/`: the container's read-write layer changes (`docker diff`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.schema import reaches_out
from portal.containers.api.actions import ContainerActions
from portal.containers.diff import request_changes

__all__ = ["ChangesAction"]


class ChangesAction(ContainerActions):
    policy_actions = {"diff": "container.view"}

    @extend_schema(responses={200: dict})
    @reaches_out
    @action(detail=True, pagination_class=None)
    def diff(self, request, pk=None):
        """The files the container's read-write layer added, changed and deleted (`docker diff`):
        `{"changes": [{"path", "kind": added|changed|deleted}]}`, asked of the host's worker."""
        container = self.live_container()
        return Response({"changes": request_changes(container)})
