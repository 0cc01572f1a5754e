"""Endpoint signatures: analysed once at registration (``analysis``) into a dependency tree
(``models``), solved per request (``solving``)."""

from __future__ import annotations

from heron.dependencies.analysis import analyze_endpoint, get_dependant
from heron.dependencies.models import Dependant, EndpointPlan
from heron.dependencies.solving import SolveContext, solve

__all__ = [
    "Dependant",
    "EndpointPlan",
    "SolveContext",
    "analyze_endpoint",
    "get_dependant",
    "solve",
]
