"""Endpoint signatures: analysed once at registration (``analysis``), into a plan (``models``)."""

from __future__ import annotations

from heron.dependencies.analysis import analyze_endpoint
from heron.dependencies.models import EndpointPlan

__all__ = ["EndpointPlan", "analyze_endpoint"]
