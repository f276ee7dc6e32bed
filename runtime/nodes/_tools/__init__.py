"""Tools that nodes can call: the interface and the built-in tools."""

from runtime.nodes._tools.base import Tool, check_arguments
from runtime.nodes._tools.builtin import BUILTIN_TOOLS, calculate

__all__ = ["BUILTIN_TOOLS", "Tool", "calculate", "check_arguments"]
