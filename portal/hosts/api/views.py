from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.viewsets import RestrictedModelViewSet
from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.hosts.choices import HostStatus
from portal.hosts.enrollment import enroll, unenroll
from portal.hosts.events import publish_host, publish_host_removed
from portal.hosts.models import Host
from portal.refusals import Conflict

from .serializers import HostSerializer

__all__ = ["HostViewSet"]


class HostViewSet(RestrictedModelViewSet):
    """Docker hosts. An admin adds a host, which enrolls it: the answer carries, once, what its
    worker needs to join (`enrollment`); `rotate` enrolls it again. Admins rename, label and
    remove hosts."""

    queryset = Host.objects.all()
    serializer_class = HostSerializer
    view_action = "host.view"
    policy_actions = {
        "list": "host.view",
        "retrieve": "host.view",
        "create": "host.add",
        "partial_update": "host.change",
        "destroy": "host.delete",
        "rotate": "host.rotate",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if status := self.request.query_params.get("status"):
            queryset = queryset.filter(status=status)
        if name := self.request.query_params.get("name"):
            queryset = queryset.filter(name__icontains=name)
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = {**self.get_serializer(serializer.instance).data, "enrollment": self.enrollment.to_api()}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: HostSerializer})
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        """New keys and broker credentials for the host, shown once; the old ones stop working now."""
        host = self.get_object()
        with transaction.atomic():
            enrollment = enroll(host)
            record("host.rotate", request=request, target=host, host=host, detail=_enrolled(host))
        transaction.on_commit(lambda: publish_host(host))
        # 201: new credentials were made (and the old ones are gone).
        return Response(
            {**self.get_serializer(host).data, "enrollment": enrollment.to_api()}, status=status.HTTP_201_CREATED
        )

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                host = serializer.save()
                self.enrollment = enroll(host)
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
        transaction.on_commit(lambda: unenroll(instance))
        transaction.on_commit(lambda: publish_host_removed(host_id))


def _described(host: Host) -> dict:
    return {"name": host.name, "slug": host.slug, "labels": host.labels}


def _enrolled(host: Host) -> dict:
    """What the audit trail keeps of an enrollment: who the host now is, never its secrets."""
    return {**_described(host), "broker_user": host.broker_user, "verify_key": host.verify_key}
