from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from portal.accounts.api.views import ObtainTokenView
from portal.accounts.views import LoginView
from portal.dashboard.views import dashboard
from portal.hosts.api.views import HostViewSet
from portal.hosts.views import host_detail

router = DefaultRouter(trailing_slash=True)
router.register("hosts", HostViewSet, basename="host")

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("hosts/<int:pk>/", host_detail, name="host-detail"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
