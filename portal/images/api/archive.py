"""Images as tar archives: import one (`docker load`) and export one (`docker save`, then
downloaded from `operations/{id}/download/`)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from portal.api.validation import validated
from portal.images import transfers
from portal.images.api.actions import ImageActions
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from wire.transfers import CHUNK

__all__ = ["ArchiveActions"]


class ImportSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    archive = serializers.FileField(help_text="A tar made by docker save (or Berth's export).")


class ArchiveActions(ImageActions):
    policy_actions = {"load": "image.manage", "export": "image.manage"}

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={202: OperationSerializer},
        operation_id="images_import",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def load(self, request):
        """Import images from a tar made by `docker save` (or Berth's export): `docker load`."""
        data = validated(ImportSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        host.require_usable()  # before the archive is stored
        archive = data["archive"]
        head = archive.read(512)
        archive.seek(0)
        if not head.startswith(b"\x1f\x8b") and (len(head) < 512 or head[257:262] != b"ustar"):
            raise serializers.ValidationError({"archive": "It is not a tar archive: import what docker save made."})
        limit = int(settings.BERTH_IMPORT_MAX_MB * 1024 * 1024)
        if archive.size > limit:
            raise serializers.ValidationError(
                {
                    "archive": f"The archive is larger than {settings.BERTH_IMPORT_MAX_MB:g} MB, "
                    "the most this Berth accepts (BERTH_IMPORT_MAX_MB)."
                },
                code="too_large",
            )
        params = {"filename": archive.name[:255], "size": archive.size}

        def start(transfer_id: str):
            return submit(
                request,
                host,
                "image.import",
                params,
                target_type="image",
                target_repr=archive.name[:255],
                task_params={**params, "archive_transfer": transfer_id},
            )

        operation = transfers.send_upload(request.user, archive.chunks(CHUNK), start)
        return accepted(operation)

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        """Save the image as a tar (`docker save`); download it from `operations/{id}/download/` once done."""
        image = self.live_image()
        tags = [str(t) for t in image.tags.all()]
        params = {"name": tags[0] if tags else image.engine_id}
        return accepted(self.image_operation("image.export", image, params))
