from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from portal.accounts.api.tokens import TokenViewSet
from portal.accounts.api.users import UserViewSet
from portal.accounts.api.views import ObtainTokenView
from portal.accounts.views import LoginView
from portal.alerts.api.views import AlertChannelViewSet, AlertRuleViewSet, AlertViewSet
from portal.alerts.views import alert_detail, alert_list
from portal.audit.api.views import AuditEventViewSet
from portal.audit.views import audit_list
from portal.containers.api.views import ContainerViewSet
from portal.containers.logs_download import ContainerLogsDownload
from portal.containers.views import container_detail, container_list, container_run
from portal.dashboard.views import dashboard
from portal.hosts.api.views import HostViewSet
from portal.hosts.views import host_detail
from portal.images.api.views import ImageViewSet
from portal.images.views import image_detail, image_list, image_new
from portal.networks.api.views import NetworkViewSet
from portal.networks.views import network_detail, network_list, network_map, network_named, network_new
from portal.operations.api.views import OperationViewSet
from portal.operations.views import operation_detail, operation_list
from portal.registries.api.views import RegistryViewSet
from portal.stacks.api.git import StackWebhookView
from portal.stacks.api.views import StackViewSet
from portal.teams.api.views import BindingViewSet, MemberViewSet, TeamViewSet
from portal.terminals.api.views import TerminalSessionViewSet
from portal.volumes.api.views import VolumeViewSet
from portal.volumes.views import volume_detail, volume_list, volume_named, volume_new

router = DefaultRouter(trailing_slash=True)
router.register("hosts", HostViewSet, basename="host")
router.register("containers", ContainerViewSet, basename="container")
router.register("images", ImageViewSet, basename="image")
router.register("audit", AuditEventViewSet, basename="audit")
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register(r"teams/(?P<team_pk>[0-9]+)/members", MemberViewSet, basename="team-member")
router.register(r"teams/(?P<team_pk>[0-9]+)/bindings", BindingViewSet, basename="team-binding")
router.register("tokens", TokenViewSet, basename="token")
router.register("registries", RegistryViewSet, basename="registry")
router.register("sessions", TerminalSessionViewSet, basename="terminal-session")
router.register("operations", OperationViewSet, basename="operation")
router.register("networks", NetworkViewSet, basename="network")
router.register("volumes", VolumeViewSet, basename="volume")
router.register("stacks", StackViewSet, basename="stack")
router.register("alerts", AlertViewSet, basename="alert")
router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
router.register("alert-channels", AlertChannelViewSet, basename="alert-channel")

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("containers/<int:pk>/logs/", ContainerLogsDownload.as_view(), name="container-logs"),
    path("stacks/<int:pk>/webhook/", StackWebhookView.as_view(), name="stack-webhook"),
    path("", include(router.urls)),
]

handler404 = "portal.api.errors.page_not_found"
handler500 = "portal.api.errors.server_error"

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("hosts/<int:pk>/", host_detail, name="host-detail"),
    path("containers/", container_list, name="container-list"),
    path("containers/run/", container_run, name="container-run"),
    path("containers/<int:pk>/", container_detail, name="container-detail"),
    path("images/", image_list, name="image-list"),
    path("images/new/", image_new, name="image-new"),
    path("images/<int:pk>/", image_detail, name="image-detail"),
    path("networks/", network_list, name="network-list"),
    path("networks/new/", network_new, name="network-new"),
    path("networks/map/", network_map, name="network-map"),
    path("networks/<int:pk>/", network_detail, name="network-detail"),
    path("networks/on/<int:host>/<str:name>/", network_named, name="network-named"),
    path("volumes/", volume_list, name="volume-list"),
    path("volumes/new/", volume_new, name="volume-new"),
    path("volumes/<int:pk>/", volume_detail, name="volume-detail"),
    path("volumes/on/<int:host>/<str:name>/", volume_named, name="volume-named"),
    path("alerts/", alert_list, name="alert-list"),
    path("alerts/<int:pk>/", alert_detail, name="alert-detail"),
    path("audit/", audit_list, name="audit-list"),
    path("operations/", operation_list, name="operation-list"),
    path("operations/<int:pk>/", operation_detail, name="operation-detail"),
    path("", include("portal.teams.urls")),
    path("", include("portal.accounts.urls")),
    path("", include("portal.registries.urls")),
    path("", include("portal.terminals.urls")),
    path("", include("portal.stacks.urls")),
    path("", include("portal.alerts.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs page sends a browser to the login page; its script is a file of its own (no inline script: CSP).
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
]
