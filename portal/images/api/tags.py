"""Operations on images, as actions of the images API: pull, build, tag, push, remove (DELETE),
prune, export (then download the tar from the operation) and import."""

from __future__ import annotations

import json

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from engine.reference import TAG_RE, InvalidReference, parse_reference, validate_reference
from portal.api.query_params import bool_param
from portal.containers.run_spec import parse_env
from portal.images.build_context import make_context
from portal.images.exports import store_upload
from portal.images.models import Image, Tag
from portal.operations.api.refusals import host_for
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from portal.refusals import Conflict
from portal.registries.credentials import registry_auth

__all__ = ["ImageOperationsMixin"]


def _reference(value: str) -> str:
    try:
        return str(validate_reference(value))
    except InvalidReference as exc:
        raise serializers.ValidationError(str(exc)) from None


class PullSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    reference = serializers.CharField(max_length=512, help_text="registry/repository:tag or @digest.")
    registry = serializers.IntegerField(required=False, allow_null=True)

    def validate_reference(self, value):
        return _reference(value)


class TagSerializer(serializers.Serializer):
    repository = serializers.CharField(max_length=255)
    tag = serializers.CharField(max_length=128, required=False, allow_blank=True, default="latest")

    def validate(self, attrs):
        tag = attrs.get("tag") or "latest"
        if not TAG_RE.fullmatch(tag):
            raise serializers.ValidationError({"tag": f"'{tag}' is not a tag: letters, digits, _ . -, up to 128."})
        reference = parse_reference(_reference(f"{attrs['repository'].strip()}:{tag}"))
        if reference.digest:
            raise serializers.ValidationError({"repository": "A repository to tag into has no digest."})
        return {"repository": reference.repository, "tag": tag}


class PushSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=512, required=False, allow_blank=True, help_text="Where to push; default: the image's first tag."
    )
    registry = serializers.IntegerField(required=False, allow_null=True)

    def validate_reference(self, value):
        return _reference(value) if value.strip() else ""


class BuildSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    tag = serializers.CharField(max_length=512, required=False, allow_blank=True, help_text="repository[:tag]")
    dockerfile = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    dockerfile_path = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="Dockerfile")
    context = serializers.FileField(required=False, allow_null=True, help_text="A tar or tar.gz of the context.")
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="A folder's files.")
    paths = serializers.ListField(child=serializers.CharField(), required=False, help_text="Their relative paths.")
    buildargs = serializers.CharField(required=False, allow_blank=True, help_text="JSON or NAME=value lines")

    def validate_tag(self, value):
        return _reference(value) if value.strip() else ""

    def validate_buildargs(self, value):
        value = (value or "").strip()
        if not value:
            return {}
        if value.startswith("{"):
            try:
                parsed = json.loads(value)
            except ValueError:
                raise serializers.ValidationError("Build arguments are not valid JSON.") from None
        else:
            parsed = [line.strip() for line in value.splitlines() if line.strip()]
        return parse_env(parsed)


class ImportSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    archive = serializers.FileField(help_text="A tar made by docker save (or Berth's export).")


class PruneSerializer(serializers.Serializer):
    host = serializers.IntegerField()


class ImageOperationsMixin:
    """Mixed into ImageViewSet. Every answer that starts work is 202 with the operation."""

    operation_policy_actions = {
        "pull": "image.manage",
        "build": "image.manage",
        "prune": "image.manage",
        "load": "image.manage",
        "tag": "image.manage",
        "push": "image.manage",
        "destroy": "image.manage",
        "export": "image.manage",
    }

    def _accepted(self, operation) -> Response:
        return Response(OperationSerializer(operation).data, status=status.HTTP_202_ACCEPTED)

    def _live_image(self) -> Image:
        image = self.get_object()
        if image.is_removed:
            raise Conflict("This image was removed.", "removed")
        return image

    def _image_operation(self, kind: str, image: Image, params: dict, **kwargs):
        shown = {"image": image.engine_id, **params}
        task = {"image_id": image.engine_id, **params}
        name = next((str(t) for t in image.tags.all()), image.engine_id[7:19])
        return submit(self.request, image.host, kind, shown, target=image, target_repr=name, task_params=task, **kwargs)

    @extend_schema(request=PullSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def pull(self, request):
        """Pull an image to a host, with per-layer progress on `/ws/operations/{id}/`."""
        serializer = PullSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        host = host_for(request, self, data["host"], "image.manage")
        auth = registry_auth(request.user, data.get("registry"), data["reference"])
        params = {"reference": data["reference"]}
        operation = submit(
            request, host, "image.pull", params, target_type="image", target_repr=data["reference"], auth_config=auth
        )
        return self._accepted(operation)

    @extend_schema(
        request={"multipart/form-data": BuildSerializer, "application/json": BuildSerializer},
        responses={202: OperationSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def build(self, request):
        """Build from a Dockerfile typed in, a context archive (tar/tar.gz), or a folder's files;
        the log streams live on `/ws/operations/{id}/`."""
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(request.data, "getlist"):
            data.setlist("files", request.FILES.getlist("files"))
            data.setlist("paths", request.data.getlist("paths"))
        serializer = BuildSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        host = host_for(request, self, data["host"], "image.manage")
        host.require_usable()
        context = make_context(
            dockerfile=data.get("dockerfile") or "",
            upload=data.get("context"),
            files=data.get("files") or [],
            paths=data.get("paths"),
            dockerfile_path=data.get("dockerfile_path") or "Dockerfile",
        )
        key = store_upload("build", [context], int(settings.BERTH_BUILD_CONTEXT_MAX_MB * 1024 * 1024), "context")
        params = {
            "tag": data.get("tag") or "",
            "buildargs": data.get("buildargs") or {},
            "dockerfile_path": data.get("dockerfile_path") or "Dockerfile",
            "context_size": len(context),
        }
        operation = submit(
            request,
            host,
            "image.build",
            params,
            target_type="image",
            target_repr=params["tag"] or "untagged build",
            task_params={**params, "context_key": key},
        )
        return self._accepted(operation)

    @extend_schema(request=PruneSerializer, responses={202: OperationSerializer})
    @action(detail=False, methods=["post"])
    def prune(self, request):
        """Remove the host's dangling images (no tag, used by no container)."""
        serializer = PruneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = host_for(request, self, serializer.validated_data["host"], "image.manage")
        return self._accepted(submit(request, host, "image.prune", {}, target_type="image", target_repr="dangling"))

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={202: OperationSerializer},
        operation_id="images_import",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def load(self, request):
        """Import images from a tar made by `docker save` (or Berth's export): `docker load`."""
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        host = host_for(request, self, serializer.validated_data["host"], "image.manage")
        host.require_usable()
        archive = serializer.validated_data["archive"]
        head = archive.read(512)
        archive.seek(0)
        if not head.startswith(b"\x1f\x8b") and (len(head) < 512 or head[257:262] != b"ustar"):
            raise serializers.ValidationError({"archive": "It is not a tar archive: import what docker save made."})
        limit = int(settings.BERTH_IMPORT_MAX_MB * 1024 * 1024)
        key = store_upload("import", archive.chunks(), limit, "archive")
        params = {"filename": archive.name[:255], "size": archive.size}
        operation = submit(
            request,
            host,
            "image.import",
            params,
            target_type="image",
            target_repr=archive.name[:255],
            task_params={**params, "archive_key": key},
        )
        return self._accepted(operation)

    @extend_schema(request=TagSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def tag(self, request, pk=None):
        image = self._live_image()
        serializer = TagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._accepted(self._image_operation("image.tag", image, serializer.validated_data))

    @extend_schema(request=PushSerializer, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def push(self, request, pk=None):
        """Push to a registry under `reference` (tagged so first if it is not one of the image's tags)."""
        image = self._live_image()
        serializer = PushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reference = serializer.validated_data.get("reference") or ""
        tags = [str(t) for t in image.tags.all()]
        if not reference:
            if not tags:
                raise serializers.ValidationError({"reference": "This image has no tag: say where to push it."})
            reference = tags[0]
        if parse_reference(reference).digest:
            raise serializers.ValidationError({"reference": "Push to a tag, not a digest."})
        auth = registry_auth(request.user, serializer.validated_data.get("registry"), reference)
        return self._accepted(self._image_operation("image.push", image, {"reference": reference}, auth_config=auth))

    @extend_schema(request=None, responses={202: OperationSerializer})
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        """Save the image as a tar (`docker save`); download it from `operations/{id}/download/` once done."""
        image = self._live_image()
        tags = [str(t) for t in image.tags.all()]
        params = {"name": tags[0] if tags else image.engine_id}
        return self._accepted(self._image_operation("image.export", image, params))

    @extend_schema(
        parameters=[
            OpenApiParameter("force", bool, description="Remove even if containers use it or it has several tags."),
            OpenApiParameter("tag", str, description="Untag only: remove this one name (`repository:tag`)."),
        ],
        responses={202: OperationSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        image = self._live_image()
        force = bool(bool_param(request, "force"))
        untag = request.query_params.get("tag", "").strip()
        if untag:
            reference = parse_reference(untag)
            if not Tag.objects.filter(image=image, repository=reference.repository, tag=reference.tag_or_default):
                raise serializers.ValidationError({"tag": f"{untag} is not a tag of this image."})
            untag = f"{reference.repository}:{reference.tag_or_default}"
        params = {"name": untag or image.engine_id, "force": force, "untag": bool(untag)}
        return self._accepted(self._image_operation("image.remove", image, params))
