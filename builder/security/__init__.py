"""Security wiring of the platform app: `install_security(app, settings)` is the one hook `create_app` calls.

It refuses production settings with missing or default keys, installs the authentication of non-local mode
(`app.state.authenticate`, used by `builder.context.current_context`), the login/refresh routes (the only
routes besides health that need no credentials), the rate limits, the path guard and the security headers.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from builder.lifecycle import close_on_shutdown
from builder.security.keys import secret_problems
from builder.security.middleware import IpRateLimit, PathGuard, SecurityHeaders
from builder.security.ratelimit import make_limiter
from builder.settings import Settings

# Routes answering without credentials, besides each role's /api/<role>/health and the OpenAPI docs.
PUBLIC_PATHS = frozenset({"/api/gateway/auth/login", "/api/gateway/auth/refresh"})
DOCS_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


class InsecureSettings(RuntimeError):
    pass


def install_security(app: FastAPI, settings: Settings) -> None:
    from builder.auth.errors import AuthError  # builder.auth uses builder.security's keys and limiter
    from builder.auth.identity import authenticate

    problems = secret_problems(settings)
    if problems:
        raise InsecureSettings("refusing to start: " + "; ".join(problems))
    limiter = make_limiter(settings.redis_url, max_connections=settings.redis_max_connections)
    app.state.rate_limiter = limiter
    app.state.authenticate = authenticate

    @app.exception_handler(AuthError)
    async def _auth_error(_request: Request, exc: AuthError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, "errors": exc.errors}, status_code=exc.status_code,
                            headers=exc.headers)

    if "gateway" in settings.services:
        from builder.routes.auth import public_router

        app.include_router(public_router)
    # Outermost last: headers on every answer (even 404/413/429), then the path guard, then the IP limit.
    if settings.rate_limit_requests > 0 and not settings.local_mode:
        app.add_middleware(IpRateLimit, limiter=limiter, limit=settings.rate_limit_requests,
                           window=settings.rate_limit_window)
    app.add_middleware(PathGuard)
    app.add_middleware(SecurityHeaders, hsts=settings.environment == "production")

    close_on_shutdown(app, limiter.aclose)
