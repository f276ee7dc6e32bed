"""What the graph's nodes may use outside the process, built from the settings as the lcnc platform builds them.

Nodes read them from their context (``ctx.services``). Nothing connects while they are built: a
connection is opened when a node needs one.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.lcnc_nodes._http import HttpPolicy
from app.settings import Settings


@dataclass(frozen=True)
class RunServices:
    """The services of every run (the lcnc runtime's RunServices, reduced to what this graph uses)."""

    http: HttpPolicy | None = None  # None: public addresses only


def http_policy(settings: Settings) -> HttpPolicy:
    """Private, loopback and metadata addresses are refused unless SSRF_ALLOWLIST names them."""
    return HttpPolicy.of(settings.ssrf_allowlist)


def build_services(settings: Settings) -> RunServices:
    """The services of this process's runs; the app builds them once, when it starts."""
    services = RunServices(
        http=http_policy(settings),
    )
    return services
