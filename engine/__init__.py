"""Berth's container-engine adapter: plain Python over the Docker SDK, no Django, no Celery.

Callers get dataclasses and one exception type per kind of failure; Docker SDK quirks stay here.
"""

from engine.client import Engine, EngineUnavailable
from engine.info import EngineInfo

__all__ = ["Engine", "EngineInfo", "EngineUnavailable"]
