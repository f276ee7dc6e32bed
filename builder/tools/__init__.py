"""The tools service: the catalogue agents call from, HTTP tools, MCP servers, and the services a run gets."""
