"""Validation of graphs against the node kinds: what must hold before a save, a run or an export."""

from runtime.validate.graph import validate_graph
from runtime.validate.issues import ValidationIssue, blocking
from runtime.validate.ports import compatible

__all__ = ["ValidationIssue", "blocking", "compatible", "validate_graph"]
