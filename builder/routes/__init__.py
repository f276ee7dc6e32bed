"""HTTP routes, one module per resource, grouped by service role in builder.roles."""
