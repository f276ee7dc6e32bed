"""The sqltool service: named SQL connections of a workspace (URL kept as a secret), schema, queries."""
