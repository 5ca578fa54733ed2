from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.query_params import int_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.refusals import Conflict, NotFound
from portal.terminals.files import recording_response
from portal.terminals.models import SessionInvite, TerminalSession
from portal.terminals.watching import end_session, revoke_invite

from .serializers import SessionInviteSerializer, TerminalSessionSerializer

__all__ = ["TerminalSessionViewSet"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("host", int, description="Only sessions on this host (its id)."),
            OpenApiParameter("container", int, description="Only sessions on this container (its id)."),
            OpenApiParameter("user", str, description="Only sessions of this username."),
        ]
    )
)
class TerminalSessionViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Terminal and attach sessions: one's own, and everyone's on hosts one administers.
    Each has its asciicast v2 recording at `recording/` until BERTH_RECORDING_DAYS pass."""

    queryset = TerminalSession.objects.all()
    serializer_class = TerminalSessionSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    view_action = "session.view"
    policy_actions = {
        "list": "session.view",
        "retrieve": "session.view",
        "recording": "session.view",
        "invites": "session.invite",
        "revoke_invite": "session.invite",
        "end": "session.end",
    }

    def get_serializer_class(self):
        return SessionInviteSerializer if self.action == "invites" else TerminalSessionSerializer

    def get_queryset(self):
        # One's own sessions are always visible; others' need session.view on their host.
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        if (host := int_param(self.request, "host")) is not None:
            queryset = queryset.filter(host_id=host)
        if (container := int_param(self.request, "container")) is not None:
            queryset = queryset.filter(container_id=container)
        if user := self.request.query_params.get("user", "").strip():
            queryset = queryset.filter(username=user)
        return queryset

    @extend_schema(responses={(200, "application/x-asciicast"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def recording(self, request, pk=None):
        """The session's recording, asciicast v2 (one JSON header line, then one event per line)."""
        return recording_response(self.get_object())

    @extend_schema(methods=["GET"], responses={200: SessionInviteSerializer(many=True)})
    @extend_schema(methods=["POST"], request=SessionInviteSerializer, responses={201: SessionInviteSerializer})
    @action(detail=True, methods=["get", "post"])
    def invites(self, request, pk=None):
        """Who may watch one's own session (`/ws/sessions/{id}/watch/`) while it runs; POST
        `{"user": "<username>"}` invites one more."""
        session = self.get_object()
        if request.method == "GET":
            invites = session.invites.select_related("user", "invited_by").order_by("pk")
            page = self.paginate_queryset(invites)
            return self.get_paginated_response(SessionInviteSerializer(page, many=True).data)
        if session.ended_at is not None:
            raise Conflict("This session is over: nobody can watch it any more.")
        serializer = SessionInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.pk == session.user_id:
            raise serializers.ValidationError({"user": ["The owner needs no invitation."]})
        invite, _ = SessionInvite.objects.get_or_create(
            session=session, user=user, defaults={"invited_by": request.user}
        )
        return Response(SessionInviteSerializer(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("username", str, OpenApiParameter.PATH, description="Whom to uninvite.")],
    )
    @action(detail=True, methods=["delete"], url_path=r"invites/(?P<username>[^/]+)")
    def revoke_invite(self, request, pk=None, username=None):
        """Takes back an invitation to watch one's own session: a watcher it let in is cut off at
        once (its socket closes 4403)."""
        session = self.get_object()
        invite = session.invites.select_related("user").filter(user__username=username).first()
        if invite is None:
            raise NotFound(f"{username} is not invited to watch this session.")
        revoke_invite(invite, request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: TerminalSessionSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Ends a live session: its process is stopped, its owner and watchers are told."""
        session = self.get_object()
        if session.ended_at is not None:
            raise Conflict("This session is already over.")
        end_session(session, request)
        session.refresh_from_db()
        return Response(TerminalSessionSerializer(session, context={"request": request}).data, status=202)
