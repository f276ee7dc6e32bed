"""The gateway role: routes `/api/<role>/...` to the processes that serve the other roles.

`install_gateway(app, settings)` is the one hook `builder.app.create_app` calls.
"""

from builder.gateway.proxy import FORWARDED_REQUEST_HEADERS, RoleProxy, install_gateway, remote_upstreams

__all__ = ["FORWARDED_REQUEST_HEADERS", "RoleProxy", "install_gateway", "remote_upstreams"]
