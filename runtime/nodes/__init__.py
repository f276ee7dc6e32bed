"""Node kinds: one module per kind and the registry that lists them."""

from runtime.nodes.base import NodeConfig, NodeKind, Port, SecretRef, Template
from runtime.nodes.registry import KINDS, get_kind

__all__ = ["KINDS", "NodeConfig", "NodeKind", "Port", "SecretRef", "Template", "get_kind"]
