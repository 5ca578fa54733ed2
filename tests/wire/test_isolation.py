"""The wire is importable by either side alone: it loads nothing of the portal, the workers, the
engine adapter or Django."""

from tests.support.fresh_python import run_fresh

PROBE = """
import pkgutil, importlib, sys
import wire
for module in pkgutil.walk_packages(wire.__path__, "wire."):
    importlib.import_module(module.name)
banned = ("portal", "workers", "engine", "django.db", "django.apps")
print(sorted(n for n in sys.modules if n in banned or n.startswith(tuple(b + "." for b in banned))))
"""


def test_given_every_wire_module_when_imported_then_no_side_of_berth_is_loaded():
    result = run_fresh(PROBE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
