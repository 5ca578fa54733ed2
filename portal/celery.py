"""The portal worker's Celery app (queue `portal`): applies host reports, runs the periodic jobs."""

import os
import sys
import warnings

from celery import Celery
from celery.exceptions import SecurityWarning
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# Celery warns at every start when it runs as root, whatever it carries. Berth's messages are
# JSON only, and Celery still refuses to run as root with pickle (a SecurityError, not this), so
# the warning would only teach people to ignore warnings.
warnings.filterwarnings("ignore", category=SecurityWarning)

app = Celery("berth-portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["portal.ingest", "portal.alerts", "portal.stacks"])
# Named, not imported: this module is imported with the `portal` package, before Django is set
# up, and the step's job list imports models. Celery loads the step when a worker starts, after
# its Django fixup has run django.setup().
app.steps["worker"].add("portal.ingest.periodic:PeriodicJobsStep")


@worker_ready.connect
def say_ready(sender=None, **kwargs):
    """The one line `make run` shows for this process (its banner is off: stack/commands.py).
    Written to the real stdout: Celery turns what is printed into log lines."""
    sys.__stdout__.write("Ready: applying host reports (queue portal)\n")
    sys.__stdout__.flush()
