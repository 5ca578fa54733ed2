"""A stack's plan and progress on the worker's side, without an engine: which services a new
normalized file recreates, creates and removes (and the diff), and how compose's JSON progress
becomes one progress line per service (and per layer while pulling)."""

from __future__ import annotations

from engine.compose import progress_line
from engine.progress import LayerBoard
from workers.operations.stacks import plan_between

DEPLOYED = {
    "name": "demo",
    "services": {
        "web": {"image": "x", "command": ["sleep", "300"]},
        "db": {"image": "y"},
        "old": {"image": "z"},
    },
}


def test_only_the_changed_service_is_recreated_and_the_diff_says_what_changed():
    new = {
        "name": "demo",
        "services": {
            "web": {"image": "x", "command": ["sleep", "600"]},
            "db": {"image": "y", "restart": "always", "depends_on": {}},  # not a recreating change
            "cache": {"image": "c"},
        },
    }
    plan = plan_between(DEPLOYED, new)
    assert (plan.create, plan.recreate, plan.remove, plan.unchanged) == (["cache"], ["web"], ["old"], ["db"])
    assert '-        "300"' in plan.diff and '+        "600"' in plan.diff


def test_a_first_deploy_creates_every_service():
    plan = plan_between(None, DEPLOYED)
    assert plan.create == ["db", "old", "web"] and plan.recreate == [] and plan.diff.startswith("--- deployed")


def test_compose_progress_becomes_a_line_per_service_on_the_board():
    board = LayerBoard()
    events = [
        {"id": "Network demo_back", "status": "Created"},
        {"id": "web", "text": "Pulling"},
        {"id": "0123456789abcdef", "parent_id": "web", "text": "Downloading", "current": 5, "total": 10},
        {"id": "Container demo-web-1", "status": "Creating"},
        {"id": "Container demo-web-1", "status": "Started"},
        {"id": "Container demo-db-12", "status": "Healthy"},
        {"error": True, "message": "boom"},
    ]
    for event in events:
        if line := progress_line(event, "demo"):
            board.apply(line)
    layers = {layer.id: (layer.status, layer.phase, layer.current, layer.total) for layer in board.layers.values()}
    assert layers == {
        "network back": ("Created", "done", 0, 0),
        "web": ("Started", "done", 0, 0),
        "web 0123456789ab": ("Downloading", "downloading", 5, 10),
        "db": ("Healthy", "done", 0, 0),
    }


def test_a_plans_diff_masks_environment_values_and_says_which_changed():
    deployed = {"services": {"web": {"image": "x", "environment": {"TOKEN": "old-secret", "MODE": "a"}}}}
    new = {"services": {"web": {"image": "x", "environment": {"TOKEN": "new-secret", "MODE": "a"}}}}
    plan = plan_between(deployed, new)
    assert plan.recreate == ["web"]
    assert "secret" not in plan.diff and '+        "TOKEN": "•••• (changed)"' in plan.diff
    assert '"MODE": "••••"' in plan.diff
