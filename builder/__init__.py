"""lcnc builder: the platform's HTTP API, storage and CLI."""

__version__ = "0.1.0"
