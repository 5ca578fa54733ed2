"""Stack operations: a compose project's files, checked and deployed with the host's own Compose v2.

A deploy is checked whole before anything changes: the file and its .env are staged in a fresh
folder, compose normalizes them (`config`; its sentence on failure), the normalized form is judged
by the dangerous-option rule (wire.dangers.compose_dangers) unless the portal said the user may,
and only then do they replace the project's deployed files and `up` runs. If `up` fails, the files
that were deployed before are put back, so the next redeploy starts from what runs.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from engine.client import Engine
from engine.compose import COMPOSE_FILE, ENV_FILE, Compose, ComposeMissing, find_compose, project_dir, staged_files
from engine.errors import OperationFailed
from wire.dangers import DANGEROUS_OPTION, admin_only_sentence, compose_dangers
from wire.stacks import StackPlan

__all__ = ["STACK_KINDS", "compose_version", "plan_between", "stacks_root"]

# Keys of a normalized service that compose does not count when it decides to recreate one.
NOT_RECREATING = {"deploy", "scale", "depends_on", "restart"}
# Where a config_files label may point for an adoption: files named like compose's own.
ADOPTABLE_SUFFIXES = (".yml", ".yaml", ".json")
ADOPT_LIMIT = 1_000_000
WAIT_TIMEOUT = 300


def stacks_root() -> Path:
    configured = os.environ.get("BERTH_STACKS_DIR") or os.path.join(os.environ.get("BERTH_DATA_DIR", "var"), "stacks")
    return Path(configured).resolve()


def compose_version() -> str:
    """What the host page shows: the version, or empty when this host has no Compose v2."""
    found = find_compose()
    return found[1] if found else ""


def _compose(engine: Engine) -> Compose:
    found = find_compose()
    if found is None:
        raise ComposeMissing()
    return Compose(found[0], engine.base_url)


def _service_view(service: dict) -> dict:
    return {k: v for k, v in service.items() if k not in NOT_RECREATING}


def _dump(config: dict | None) -> list[str]:
    if not config:
        return []
    shown = {k: v for k, v in config.items() if k != "name"}
    return json.dumps(shown, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


MASK = "••••"


def _masked(config: dict | None, against: dict | None = None) -> dict | None:
    """The config with every service's environment values masked (a plan's diff is read by anyone
    who may see the operation); a value that differs from `against`'s says so."""
    if not config:
        return config
    services = {}
    for name, service in (config.get("services") or {}).items():
        environment = service.get("environment") if isinstance(service, dict) else None
        if isinstance(environment, dict):
            theirs = (((against or {}).get("services") or {}).get(name) or {}).get("environment") or {}
            shown = {
                key: MASK if against is None or theirs.get(key) == value else f"{MASK} (changed)"
                for key, value in environment.items()
            }
            service = {**service, "environment": shown}
        services[name] = service
    return {**config, "services": services}


def plan_between(deployed: dict | None, new: dict) -> StackPlan:
    """What deploying `new` (normalized) changes against `deployed` (normalized, or None)."""
    old_services = (deployed or {}).get("services") or {}
    new_services = new.get("services") or {}
    create = sorted(set(new_services) - set(old_services))
    remove = sorted(set(old_services) - set(new_services))
    recreate = sorted(
        name
        for name in set(new_services) & set(old_services)
        if _service_view(new_services[name]) != _service_view(old_services[name])
    )
    unchanged = sorted(set(new_services) & set(old_services) - set(recreate))
    old_shown, new_shown = _masked(deployed), _masked(new, deployed or {})
    diff = list(difflib.unified_diff(_dump(old_shown), _dump(new_shown), "deployed", "new", lineterm="", n=3))
    return StackPlan(create=create, recreate=recreate, remove=remove, unchanged=unchanged, diff="\n".join(diff))


def _checked(compose: Compose, params: dict, target: Path) -> tuple[Path, dict]:
    """The staged folder and the normalized config (its relative paths leading into the project's
    own folder, `target`, as they will once deployed), or OperationFailed with nothing left behind."""
    project = params["project"]
    staged = staged_files(params.get("compose") or "", params.get("env") or "")
    try:
        config = compose.config(staged, project, target)
        if not params.get("dangerous_allowed") and (found := compose_dangers(config, str(target))):
            raise OperationFailed(admin_only_sentence(found), DANGEROUS_OPTION)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged, config


def _swap_in(staged: Path, target: Path) -> Path | None:
    """Put the staged files in the project's folder; answers where the previous ones went."""
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = None
    if target.exists():
        previous = target.with_name(f".{target.name}.previous")
        shutil.rmtree(previous, ignore_errors=True)
        target.rename(previous)
    shutil.move(str(staged), str(target))
    return previous


def _deploy(engine: Engine, params: dict, ctx) -> dict[str, Any]:
    compose = _compose(engine)
    project = params["project"]
    target = project_dir(stacks_root(), engine.base_url, project)
    staged, config = _checked(compose, params, target)
    previous = _swap_in(staged, target)
    # --wait: a service that fails its healthcheck (or exits) fails the deploy, named.
    up = ["up", "--detach", "--remove-orphans", "--wait", "--wait-timeout", str(WAIT_TIMEOUT)]
    if params.get("pull"):
        up += ["--pull", "always"]
    try:
        compose.run(project, target, up, ctx.feed.image_line, ctx.feed.note)
    except OperationFailed:
        if previous is not None:
            shutil.rmtree(target, ignore_errors=True)
            previous.rename(target)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return {"project": project, "config": config, "services": sorted(config.get("services") or {})}


def _plan(engine: Engine, params: dict, ctx) -> dict[str, Any]:
    compose = _compose(engine)
    target = project_dir(stacks_root(), engine.base_url, params["project"])
    staged = staged_files(params.get("compose") or "", params.get("env") or "")
    try:
        config = compose.config(staged, params["project"], target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    plan = plan_between(params.get("deployed") or None, config)
    # Not the normalized config itself: it holds the .env's values, and the result is shown to viewers.
    return {**plan.to_wire(), "dangers": compose_dangers(config, str(target))}


def _action(args: list[str]):
    def act(engine: Engine, params: dict, ctx) -> dict[str, Any]:
        compose = _compose(engine)
        project = params["project"]
        folder = project_dir(stacks_root(), engine.base_url, project)
        extra = list(args)
        if args == ["down"] and params.get("volumes"):
            extra.append("--volumes")
        # Without the folder, compose acts on the project's containers by their labels.
        known = folder if (folder / COMPOSE_FILE).exists() else None
        compose.run(project, known, extra, ctx.feed.image_line, ctx.feed.note)
        if args == ["down"] and folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        return {"project": project}

    return act


def _adopt(engine: Engine, params: dict, ctx) -> dict[str, Any]:
    """Read a CLI project's files where its labels say they are: the compose file (the first of
    config_files) and the .env beside it in the working directory."""
    files = [f for f in params.get("config_files") or [] if f]
    if not files:
        raise OperationFailed("The project's containers do not say where its compose file is.", "no_config_files")
    path = Path(files[0])
    if not path.is_absolute() or path.suffix not in ADOPTABLE_SUFFIXES:
        raise OperationFailed(f"{path} is not a compose file Berth can read.", "no_config_files")
    try:
        compose_text = path.read_text()[:ADOPT_LIMIT]
    except OSError as exc:
        raise OperationFailed(
            f"The compose file {path} cannot be read on this host: {exc.strerror}.", "unreadable"
        ) from None
    env_text = ""
    working = Path(params.get("working_dir") or path.parent)
    if (working / ENV_FILE).is_file():
        try:
            env_text = (working / ENV_FILE).read_text()[:ADOPT_LIMIT]
        except OSError:
            env_text = ""
    ctx.feed.note(f"Read {path}" + (f" and {working / ENV_FILE}" if env_text else ""))
    return {"project": params["project"], "compose": compose_text, "env": env_text, "source_path": str(path)}


STACK_KINDS = {
    "stack.deploy": _deploy,
    "stack.plan": _plan,
    "stack.start": _action(["start"]),
    "stack.stop": _action(["stop"]),
    "stack.restart": _action(["restart"]),
    "stack.down": _action(["down"]),
    "stack.adopt": _adopt,
}
