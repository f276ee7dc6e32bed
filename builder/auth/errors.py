"""Authentication failures carry response headers (WWW-Authenticate, Retry-After) besides the usual body."""

from __future__ import annotations

from builder.errors import ApiError


class AuthError(ApiError):
    """401/403/404/429 from the auth layer; ``headers`` go on the response."""

    def __init__(self, status_code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code, detail)
        self.headers = headers or ({"WWW-Authenticate": "Bearer"} if status_code == 401 else {})


class Unauthorized(AuthError):
    def __init__(self, detail: str = "authentication required") -> None:
        super().__init__(401, detail)


class RateLimited(AuthError):
    def __init__(self, retry_after: int, detail: str = "too many requests") -> None:
        super().__init__(429, f"{detail}; retry in {retry_after}s", {"Retry-After": str(retry_after)})
        self.retry_after = retry_after
