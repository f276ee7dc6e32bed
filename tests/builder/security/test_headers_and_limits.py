"""Security headers on every response; rate limits per IP and per user (memory and Redis) with 429 + Retry-After."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import pytest

from builder.security.middleware import API_CSP, SPA_CSP
from builder.security.ratelimit import MemoryLimiter, RedisLimiter
from tests.builder.security.asgi import raw_request
from tests.builder.security.support import add_user, bearer, login, platform

REDIS_URL = "redis://127.0.0.1:6379/0"


def _assert_security_headers(headers, csp: str) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in csp


def test_security_headers_on_api_spa_errors_and_docs(tmp_path) -> None:
    with platform(tmp_path, max_body_bytes=1000) as client:
        _assert_security_headers(client.get("/api/workflow/health").headers, API_CSP)
        _assert_security_headers(client.get("/api/workflow/graphs").headers, API_CSP)  # 401
        _assert_security_headers(client.get("/api/nope").headers, API_CSP)  # 404
        too_big = client.post("/api/workflow/graphs", content=b"x" * 5000, headers={"content-type": "application/json"})
        assert too_big.status_code == 413
        _assert_security_headers(too_big.headers, API_CSP)
        spa = client.get("/")
        assert spa.status_code == 200 and spa.headers["content-type"].startswith("text/html")
        _assert_security_headers(spa.headers, SPA_CSP)
        assert "script-src 'self'" in SPA_CSP and "'unsafe-inline'" not in SPA_CSP.split("script-src")[1].split(";")[0]
        docs = client.get("/docs")
        assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
        assert "strict-transport-security" not in spa.headers


def test_hsts_in_production(tmp_path) -> None:
    keys = {"jwt_secret_key": secrets.token_hex(32), "secrets_key": secrets.token_hex(32), "environment": "production"}
    with platform(tmp_path, **keys) as client:
        assert client.get("/api/workflow/health").headers["strict-transport-security"].startswith("max-age=")


def test_rate_limit_per_ip_answers_429_with_retry_after(tmp_path) -> None:
    with platform(tmp_path, rate_limit_requests=5, rate_limit_window=60) as client:
        statuses = [client.get("/api/workflow/graphs").status_code for _ in range(7)]
        assert statuses == [401] * 5 + [429] * 2
        limited = client.get("/api/workflow/graphs")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["detail"].startswith("too many requests")
        _assert_security_headers(limited.headers, API_CSP)
        assert client.get("/api/workflow/health").status_code == 200  # probes are not limited
        assert raw_request(client, "GET", "/api/workflow/graphs", client="10.0.0.2") == 401  # another address


def test_rate_limit_per_user_across_addresses(tmp_path) -> None:
    with platform(tmp_path, rate_limit_requests=4, rate_limit_window=60) as client:
        add_user(client, "alice@example.com")
        tokens = login(client, "alice@example.com")  # 1 request from testclient
        statuses = [raw_request(client, "GET", "/api/workflow/graphs", headers=bearer(tokens), client=f"10.0.0.{i}")
                    for i in range(6)]
        assert statuses == [200] * 4 + [429] * 2


def test_local_mode_has_no_rate_limit(tmp_path) -> None:
    with platform(tmp_path, local_mode=True, rate_limit_requests=2) as client:
        assert [client.get("/api/workflow/graphs").status_code for _ in range(5)] == [200] * 5


async def test_memory_limiter_windows() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert [(await limiter.hit("k", 2, 10)).allowed for _ in range(3)] == [True, True, False]
    assert (await limiter.peek("k", 2, 10)).allowed is False
    assert (await limiter.hit("k", 2, 10)).retry_after == 10
    now[0] = 1009.5
    assert (await limiter.hit("k", 2, 10)).retry_after == 1
    now[0] = 1010.0  # a new window
    assert (await limiter.hit("k", 2, 10)).allowed
    await limiter.reset("k")
    assert (await limiter.peek("k", 2, 10)).count == 0


async def test_memory_limiter_window_opens_with_the_first_hit_not_on_the_clock() -> None:
    """A burst across a turn of the clock (here 1010, a multiple of the window) is still one window: the count
    does not restart half way, which would let twice the limit through (and made timed tests flaky)."""
    now = [1008.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert [(await limiter.hit("k", 2, 10)).allowed for _ in range(2)] == [True, True]
    now[0] = 1011.0
    third = await limiter.hit("k", 2, 10)
    assert not third.allowed and third.count == 3 and third.retry_after == 7
    assert (await limiter.peek("k", 2, 10)).retry_after == 7
    now[0] = 1018.0  # the window that opened at 1008 is over
    assert (await limiter.hit("k", 2, 10)).count == 1


async def test_redis_limiter_is_shared_between_processes_and_fails_open() -> None:
    prefix = f"lcnc-test:{uuid.uuid4().hex}:"
    first = RedisLimiter(REDIS_URL, prefix=prefix)
    second = RedisLimiter(REDIS_URL, prefix=prefix)
    try:
        try:
            await first.peek("probe", 1, 60)
            await first._redis.ping()
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc!r}")
        decisions = [await first.hit("ip:1.2.3.4", 3, 60), await second.hit("ip:1.2.3.4", 3, 60),
                     await first.hit("ip:1.2.3.4", 3, 60), await second.hit("ip:1.2.3.4", 3, 60)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.count for d in decisions] == [1, 2, 3, 4]
        assert 1 <= decisions[-1].retry_after <= 60
        assert not (await second.peek("ip:1.2.3.4", 3, 60)).allowed
        await second.reset("ip:1.2.3.4")
        assert (await first.peek("ip:1.2.3.4", 3, 60)).allowed
        assert await first._redis.ttl(f"{prefix}ip:1.2.3.4") == -2  # reset deleted it
        await first.hit("ip:9", 3, 60)
        keys = [k async for k in first._redis.scan_iter(f"{prefix}*")]
        assert keys
        for key in keys:
            assert 0 < await first._redis.ttl(key) <= 60  # counters expire with their window
        # The window is the key's own, from its first hit: later hits do not push its end back.
        await first._redis.pexpire(f"{prefix}ip:9", 4000)  # as if the first hit were 56 s ago
        later = await second.hit("ip:9", 3, 60)
        assert later.count == 2 and 1 <= later.retry_after <= 4
        assert 0 < await first._redis.pttl(f"{prefix}ip:9") <= 4000
        await first._redis.delete(*keys)
    finally:
        await first.aclose()
        await second.aclose()
    dead = RedisLimiter("redis://127.0.0.1:1/0", prefix=prefix)
    try:
        assert (await asyncio.wait_for(dead.hit("k", 1, 60), 10)).allowed
        assert (await dead.peek("k", 1, 60)).allowed
    finally:
        await dead.aclose()


def test_app_uses_redis_when_redis_url_is_set(tmp_path) -> None:
    with platform(tmp_path, redis_url=REDIS_URL) as client:
        assert isinstance(client.app.state.rate_limiter, RedisLimiter)
    with platform(tmp_path) as client:
        assert isinstance(client.app.state.rate_limiter, MemoryLimiter)
