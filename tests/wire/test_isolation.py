"""The wire is importable by either side alone: it loads nothing of the portal, the workers, the
engine adapter or Django."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import pkgutil, importlib, sys
import wire
for module in pkgutil.walk_packages(wire.__path__, "wire."):
    importlib.import_module(module.name)
banned = ("portal", "workers", "engine", "django.db", "django.apps")
print(sorted(n for n in sys.modules if n in banned or n.startswith(tuple(b + "." for b in banned))))
"""


def test_given_every_wire_module_when_imported_then_no_side_of_berth_is_loaded():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
