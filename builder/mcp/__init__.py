"""The platform as an MCP server: a workspace's saved graphs exposed as MCP tools."""
