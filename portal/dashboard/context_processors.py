"""Navigation shared by every page."""

__all__ = ["navigation"]

# Sections that later versions fill; shown, greyed out, so the layout does not jump.
UPCOMING_SECTIONS = [
    ("Registries", "building-warehouse"),
    ("Teams", "users-group"),
    ("Audit", "list-search"),
]


def navigation(request):
    return {"upcoming_sections": UPCOMING_SECTIONS}
