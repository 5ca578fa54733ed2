"""Git stacks in the API: `POST /api/v1/stacks/` with `git: {url, ref, path, credentials?,
poll_interval?}` (the webhook's URL and secret in the answer, once), `PATCH` with `git` (change where
it comes from, and deploy from there), `POST …/webhook/rotate/` (a new secret, shown once) and the
webhook itself, `POST …/webhook/`: no session, no token — a git host's signature, checked against the
stack's secret, and then the policy asked for the webhook's principal (portal/access/principals.py)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.access.policy import can
from portal.access.principals import acting_for
from portal.audit.record import client_ip, record
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.refusals import Conflict, Forbidden, NotFound, Refusal
from portal.stacks.git_deploy import start_git_deploy
from portal.stacks.git_repository import checked_path, checked_ref, checked_url
from portal.stacks.models import GitSource, Stack, StackSource
from portal.stacks.webhook_signatures import pushed_ref, verified_provider

__all__ = [
    "ChangeGitSourceSerializer",
    "GitSourceSerializer",
    "StackWebhookView",
    "change_git_source",
    "create_git_stack",
    "rotate_webhook",
]

EVENT_HEADERS = ("X-GitHub-Event", "X-Gitea-Event", "X-Gitlab-Event")


class CredentialsSerializer(serializers.Serializer):
    """A token, or a username and password. Kept sealed; never shown again."""

    username = serializers.CharField(required=False, allow_blank=True, max_length=255)
    password = serializers.CharField(required=False, allow_blank=True, max_length=4096, trim_whitespace=False)
    token = serializers.CharField(required=False, allow_blank=True, max_length=4096)


class GitSourceSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=1024)
    ref = serializers.CharField(max_length=255, default="main")
    path = serializers.CharField(max_length=1024, default="compose.yaml")
    credentials = CredentialsSerializer(required=False, allow_null=True)
    poll_interval = serializers.IntegerField(
        required=False, min_value=0, max_value=7 * 24 * 3600, help_text="Seconds between polls; 0 for none."
    )


class ChangeGitSourceSerializer(GitSourceSerializer):
    """What a PATCH may change of a git stack's source: any of its fields, the rest kept."""

    url = serializers.CharField(max_length=1024, required=False)
    ref = serializers.CharField(max_length=255, required=False)
    path = serializers.CharField(max_length=1024, required=False)


def _poll_interval(value: int) -> int:
    minimum = settings.BERTH_GIT_POLL_MINIMUM
    if value and value < minimum:
        raise Refusal(f"Poll at most every {minimum} seconds (or 0 for never).", "invalid_poll_interval")
    return value


def _apply(source: GitSource, data: dict) -> None:
    """The git fields of a request, checked, onto the source."""
    if "url" in data:
        source.url = checked_url(data["url"])
    if "ref" in data:
        source.ref = checked_ref(data["ref"])
    if "path" in data:
        source.path = checked_path(data["path"])
    if "poll_interval" in data:
        source.poll_interval = _poll_interval(data["poll_interval"])
    if "credentials" in data:
        credentials = data["credentials"] or {}
        source.username = credentials.get("username", "")
        source.secret = credentials.get("token") or credentials.get("password") or ""


def webhook_url(request, stack: Stack) -> str:
    return request.build_absolute_uri(reverse("v1:stack-webhook", args=[stack.pk]))


def _new_secret(source: GitSource) -> str:
    secret = secrets.token_urlsafe(32)
    source.webhook_secret = secret
    return secret


def create_git_stack(request, stack: Stack, data: dict) -> Response:
    """Record the stack and its source, and have a portal worker fetch and deploy it; the answer
    is the operation, with the webhook's URL and secret (shown this once)."""
    git = data["git"]
    user = request.user if request.user.is_authenticated else None
    source = GitSource(owner=user)
    _apply(source, {"ref": "main", "path": "compose.yaml", "poll_interval": 0, **git})
    with transaction.atomic():
        stack.save()
        source.stack = stack
        secret = _new_secret(source)
        source.save()
        operation = start_git_deploy(request, stack, note="from git")
    answer = accepted(operation)
    answer.data["webhook"] = {"url": webhook_url(request, stack), "secret": secret}
    return answer


def change_git_source(request, stack: Stack, data: dict) -> Response:
    """Change where a git stack's files come from (and who its webhook acts for: the one who
    changed it), then deploy from there. A file written here cannot be set on a git stack."""
    if stack.source != StackSource.GIT:
        raise Conflict(f"Stack {stack.name} is written in Berth: it cannot be switched to git.", "not_git")
    if "compose" in data or "env" in data:
        raise Conflict(
            f"Stack {stack.name} comes from {stack.git.url}: change its files there, or its git settings here.",
            "git_stack",
        )
    source = stack.git
    _apply(source, data.get("git") or {})
    if request.user.is_authenticated:
        source.owner = request.user
    with transaction.atomic():
        source.save()
        operation = start_git_deploy(request, stack, note="git settings changed")
    return accepted(operation)


def rotate_webhook(request, stack: Stack) -> Response:
    if stack.source != StackSource.GIT:
        raise Conflict(f"Stack {stack.name} is not from git: it has no webhook.", "not_git")
    source = stack.git
    with transaction.atomic():
        secret = _new_secret(source)
        if request.user.is_authenticated:
            source.owner = request.user
        source.save(update_fields=["webhook_secret_sealed", "owner", "updated_at"])
        record("stack.webhook_rotate", request=request, target=stack, host=stack.host)
    return Response({"url": webhook_url(request, stack), "secret": secret})


class StackWebhookView(APIView):
    """A git host's push: verified by its signature (GitHub `X-Hub-Signature-256`, Gitea
    `X-Gitea-Signature`, GitLab `X-Gitlab-Token`) or `X-Berth-Webhook-Secret`, then judged by the
    policy for the webhook's principal (its owner's role on the stack's host). A push to another
    ref is answered and ignored; a push of the commit already deployed ends "unchanged"."""

    authentication_classes: list = []
    permission_classes: list = []
    # What the webhook's principal is asked (by `can`, below): the one policy, no side door.
    view_action = "stack.deploy"

    @extend_schema(request=None, responses={202: OperationSerializer}, auth=[])
    def post(self, request, pk: int):
        stack = Stack.objects.select_related("host", "git__owner").filter(pk=pk).first()
        source = getattr(stack, "git", None) if stack is not None else None
        if source is None:
            raise NotFound("No git stack has this webhook.")
        body = request._request.body
        try:
            provider = verified_provider(request.headers, body, source.webhook_secret)
        except Forbidden as exc:
            exc.action, exc.target = "stack.deploy", stack
            raise
        event = next((request.headers[h] for h in EVENT_HEADERS if h in request.headers), "")
        if event.lower() == "ping":
            return Response({"detail": f"Webhook verified: pushes to {source.ref} deploy stack {stack.name}."})
        ref = pushed_ref(body, request.content_type or "")
        if ref is not None and ref not in (f"refs/heads/{source.ref}", f"refs/tags/{source.ref}", source.ref):
            return Response({"detail": f"A push to {ref} is not to {source.ref}: stack {stack.name} is left as it is."})
        principal = acting_for(source.owner, stack.host_id, "webhook", client_ip(request))
        if not can(principal, "stack.deploy", stack):
            raise Forbidden(
                f"This webhook acts for {principal.owner_name or 'a removed user'}, who may no longer deploy "
                f"on host {stack.host.name}: whoever may should rotate its secret.",
                action="stack.deploy",
                target=stack,
            )
        # `?pull=1`: pull-and-redeploy, so new images behind unchanged tags are picked up too.
        pull = str(request.query_params.get("pull", "")).lower() in ("1", "true", "yes")
        operation = start_git_deploy(
            principal, stack, note=f"{provider} webhook", by="webhook", only_changed=True, pull=pull
        )
        return Response(OperationSerializer(operation).data, status=status.HTTP_202_ACCEPTED)
