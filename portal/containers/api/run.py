"""`POST /api/v1/containers/`: run a container (`docker run -d`), pulled first when the image
is not on the host."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from portal.access.dangerous import refuse_dangerous_options
from portal.access.policy import can
from portal.containers.checks import name_taken, ports_taken
from portal.containers.run_spec import RunContainerSerializer
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from portal.registries.credentials import registry_auth

__all__ = ["RunAction"]


class RunAction:
    policy_actions = {"create": "container.manage"}

    @extend_schema(request=RunContainerSerializer, responses={202: OperationSerializer})
    def create(self, request, *args, **kwargs):
        """Run a container (`docker run -d`): pulled first when the image is not on the host."""
        serializer = RunContainerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed the run
        spec = serializer.spec()
        refuse_dangerous_options(request, host.pk, spec)
        if spec.get("name"):
            name_taken(host.pk, spec["name"])
        ports_taken(host.pk, spec.get("ports") or [])
        auth = registry_auth(request.user, serializer.validated_data.get("registry"), spec["image"])
        operation = submit(
            request,
            host,
            "container.run",
            # The host judges the named volumes (their driver options may bind a host path),
            # which the portal cannot see: it is told whether this user may use such options.
            {"spec": spec, "dangerous_allowed": can(request, "container.privileged", host.pk)},
            target_type="container",
            target_repr=spec.get("name") or spec["image"],
            auth_config=auth,
        )
        return accepted(operation)
