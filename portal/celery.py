"""The portal worker's Celery app (queue `portal`): applies host reports, runs the periodic jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("berth-portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.ingest"])
# Named, not imported: this module is imported with the `portal` package, before Django is set
# up, and the step's job list imports models. Celery loads the step when a worker starts, after
# its Django fixup has run django.setup().
app.steps["worker"].add("portal.ingest.periodic:PeriodicJobsStep")
