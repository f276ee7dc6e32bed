"""MCP client for nodes and tools: admin-approved servers, tool discovery and schema-checked calls."""

from runtime.nodes._mcp.registry import McpError, McpRegistry, McpServerConfig, check_against_schema

__all__ = ["McpError", "McpRegistry", "McpServerConfig", "check_against_schema"]
