from django.urls import path

from portal.teams import views

urlpatterns = [
    path("teams/", views.team_list, name="team-list"),
    path("teams/<int:pk>/", views.team_detail, name="team-detail"),
    path("teams/<int:pk>/delete/", views.team_delete, name="team-delete"),
    path("teams/<int:pk>/members/", views.member_add, name="team-member-add"),
    path("teams/<int:pk>/members/<int:user_id>/remove/", views.member_remove, name="team-member-remove"),
    path("teams/<int:pk>/bindings/", views.binding_add, name="team-binding-add"),
    path("teams/<int:pk>/bindings/<int:binding_id>/remove/", views.binding_remove, name="team-binding-remove"),
]
