"""Workspace secrets: encrypted at rest, referenced by name, resolved only by the code that needs the value."""

from builder.secrets.store import SecretNotFound, resolve_secret

__all__ = ["SecretNotFound", "resolve_secret"]
