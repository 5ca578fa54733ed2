"""The Berth portal: the Django project (web process and portal worker)."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
