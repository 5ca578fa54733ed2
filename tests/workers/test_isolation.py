"""The host worker holds no database credentials and loads nothing of the portal."""

from tests.support.fresh_python import run_fresh

PROBE = """
import pkgutil, importlib, sys
import workers
for module in pkgutil.walk_packages(workers.__path__, "workers."):
    importlib.import_module(module.name)
banned = ("portal", "django.db", "django.apps")
loaded = sorted(n for n in sys.modules if n in banned or n.startswith(tuple(b + "." for b in banned)))
from django.conf import settings
print("loaded:", loaded, "configured:", settings.configured)
"""


def test_given_every_worker_module_when_imported_then_neither_the_portal_nor_djangos_orm_is_loaded():
    result = run_fresh(PROBE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: [] configured: False"
