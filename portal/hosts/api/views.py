from django.db import IntegrityError, transaction

from portal.api.viewsets import RestrictedModelViewSet
from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.hosts.choices import HostStatus
from portal.hosts.events import publish_host, publish_host_removed
from portal.hosts.models import Host
from portal.refusals import Conflict

from .serializers import HostSerializer

__all__ = ["HostViewSet"]


class HostViewSet(RestrictedModelViewSet):
    """Docker hosts. A host joins by starting its worker; admins may pre-register, rename,
    label and remove hosts."""

    queryset = Host.objects.all()
    serializer_class = HostSerializer
    view_action = "host.view"
    policy_actions = {
        "list": "host.view",
        "retrieve": "host.view",
        "create": "host.add",
        "partial_update": "host.change",
        "destroy": "host.delete",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if status := self.request.query_params.get("status"):
            queryset = queryset.filter(status=status)
        if name := self.request.query_params.get("name"):
            queryset = queryset.filter(name__icontains=name)
        return queryset

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                host = serializer.save()
                record("host.create", request=self.request, target=host, host=host, detail=_described(host))
        except IntegrityError:  # the same name created at the same moment by someone else
            slug = serializer.validated_data["slug"]
            record(
                "host.create",
                request=self.request,
                target_type="host",
                outcome=Outcome.FAILURE,
                detail={"slug": slug, "error": "a host with this slug already exists"},
            )
            raise Conflict(f"A host with slug '{slug}' already exists.") from None
        transaction.on_commit(lambda: publish_host(host, created=True))

    def perform_update(self, serializer):
        before = {field: getattr(serializer.instance, field) for field in serializer.validated_data}
        with transaction.atomic():
            host = serializer.save()
            changed = {field: {"from": was, "to": getattr(host, field)} for field, was in before.items()}
            changed = {field: change for field, change in changed.items() if change["from"] != change["to"]}
            record("host.change", request=self.request, target=host, host=host, detail={"changed": changed})
        transaction.on_commit(lambda: publish_host(host))

    def perform_destroy(self, instance):
        if instance.current_status == HostStatus.ONLINE:
            record(
                "host.delete",
                request=self.request,
                target=instance,
                host=instance,
                outcome=Outcome.FAILURE,
                detail={**_described(instance), "error": "the host is online"},
            )
            raise Conflict(f"Host '{instance.name}' is online: stop its host worker first, or it will join again.")
        host_id = instance.pk
        with transaction.atomic():
            # Recorded first, while the host exists; deleting it leaves the event's host_name.
            record("host.delete", request=self.request, target=instance, host=instance, detail=_described(instance))
            instance.delete()
        transaction.on_commit(lambda: publish_host_removed(host_id))


def _described(host: Host) -> dict:
    return {"name": host.name, "slug": host.slug, "labels": host.labels}
