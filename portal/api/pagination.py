from rest_framework.pagination import PageNumberPagination

__all__ = ["BerthPagination"]


class BerthPagination(PageNumberPagination):
    """`?page=` and, for scripts and pages that want more at once, `?page_size=` (up to 1000)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
