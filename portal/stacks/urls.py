from django.urls import path

from portal.stacks.views import stack_detail, stack_list, stack_new

urlpatterns = [
    path("stacks/", stack_list, name="stack-list"),
    path("stacks/new/", stack_new, name="stack-new"),
    path("stacks/<int:pk>/", stack_detail, name="stack-detail"),
]
