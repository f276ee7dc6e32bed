"""Observability of the platform: span and log stores, HTTP instrumentation, the observability API."""
