"""`POST /api/v1/images/build/`: build from a Dockerfile typed in, a context archive or a folder."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import UploadedFile
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from portal.api.validation import validated
from portal.containers.run_spec import parse_env
from portal.images import transfers
from portal.images.api.actions import valid_reference
from portal.images.build_context import dockerfile_text, make_context
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit
from wire.transfers import CHUNK

__all__ = ["BuildAction"]


class BuildSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    tag = serializers.CharField(max_length=512, required=False, allow_blank=True, help_text="repository[:tag]")
    dockerfile = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="The Dockerfile: text, or a file part."
    )
    dockerfile_path = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="Dockerfile")
    context = serializers.FileField(required=False, allow_null=True, help_text="A tar or tar.gz of the context.")
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="A folder's files.")
    paths = serializers.ListField(child=serializers.CharField(), required=False, help_text="Their relative paths.")
    buildargs = serializers.CharField(required=False, allow_blank=True, help_text="JSON or NAME=value lines")

    def validate_tag(self, value):
        return valid_reference(value) if value.strip() else ""

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


def _fields(request) -> dict:
    """The body's fields as a plain dict: the uploads are passed as they are, never copied (an
    upload above Django's in-memory size is an open temporary file, which cannot be). A Dockerfile
    sent as a file part becomes its text."""
    if not hasattr(request.data, "getlist"):
        return dict(request.data)
    data = {key: request.data.get(key) for key in request.data if key not in ("files", "paths")}
    data["files"] = request.FILES.getlist("files")
    data["paths"] = request.data.getlist("paths")
    if isinstance(data.get("dockerfile"), UploadedFile):
        data["dockerfile"] = dockerfile_text(data["dockerfile"])
    if not data["paths"]:
        del data["paths"]
    if not data["files"]:
        del data["files"]
    return data


class BuildAction:
    policy_actions = {"build": "image.manage"}

    @extend_schema(
        request={"multipart/form-data": BuildSerializer, "application/json": BuildSerializer},
        responses={202: OperationSerializer},
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def build(self, request):
        """Build from a Dockerfile typed in, a context archive (tar/tar.gz), or a folder's files;
        the log streams live on `/ws/operations/{id}/`."""
        data = validated(BuildSerializer, _fields(request))
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        host.require_usable()  # before the context is read and sent
        context = make_context(
            dockerfile=data.get("dockerfile") or "",
            upload=data.get("context"),
            files=data.get("files") or [],
            paths=data.get("paths"),
            dockerfile_path=data.get("dockerfile_path") or "Dockerfile",
        )
        with context:
            size = context.seek(0, 2)
            context.seek(0)
            buildargs = data.get("buildargs") or {}
            # The record keeps the build args' names only; their values go to the worker alone.
            params = {
                "tag": data.get("tag") or "",
                "buildargs": sorted(buildargs),
                "dockerfile_path": data.get("dockerfile_path") or "Dockerfile",
                "context_size": size,
            }

            def start(transfer_id: str):
                return submit(
                    request,
                    host,
                    "image.build",
                    params,
                    target_type="image",
                    target_repr=params["tag"] or "untagged build",
                    task_params={**params, "buildargs": buildargs, "context_transfer": transfer_id},
                )

            operation = transfers.send_upload(request.user, iter(lambda: context.read(CHUNK), b""), start)
        return accepted(operation)
