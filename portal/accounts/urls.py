from django.urls import path

from portal.accounts import token_views, user_views

urlpatterns = [
    path("users/", user_views.user_list, name="user-list"),
    path("users/<int:pk>/active/", user_views.user_active, name="user-active"),
    path("users/<int:pk>/password/", user_views.user_password, name="user-password"),
    path("tokens/", token_views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
]
