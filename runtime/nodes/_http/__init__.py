"""Outgoing HTTP for nodes and tools: the SSRF guard and one guarded request."""

from runtime.nodes._http.client import HttpError, HttpResponse, ResponseTooLarge, fetch
from runtime.nodes._http.guard import BlockedAddress, HttpPolicy, check_url, parse_url, refusal
from runtime.nodes._http.render import render_url

__all__ = ["BlockedAddress", "HttpError", "HttpPolicy", "HttpResponse", "ResponseTooLarge", "check_url", "fetch",
           "parse_url", "refusal", "render_url"]
