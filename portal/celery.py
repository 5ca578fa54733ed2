"""The portal worker's Celery app (queue `portal`): applies host reports, watches liveness."""

import os

from celery import Celery

from portal.ingest.periodic import LivenessWatchStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("berth-portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.ingest"])
app.steps["worker"].add(LivenessWatchStep)
