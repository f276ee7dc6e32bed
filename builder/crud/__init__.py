"""Database operations, one module per resource; functions take keyword arguments."""
