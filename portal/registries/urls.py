from django.urls import path

from portal.registries import views

urlpatterns = [
    path("registries/", views.registry_list, name="registry-list"),
    path("registries/add/", views.registry_add, name="registry-add"),
    path("registries/<int:pk>/", views.registry_browse, name="registry-browse"),
    path("registries/<int:pk>/edit/", views.registry_edit, name="registry-edit"),
    path("registries/<int:pk>/delete/", views.registry_delete, name="registry-delete"),
    path(
        "registries/<int:pk>/repositories/<path:repository>/",
        views.registry_repository,
        name="registry-repository",
    ),
]
