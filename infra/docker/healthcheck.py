"""Container health check of the platform image: 0 when this container's server answers a role's health.

The image runs any role (chosen on the command line, which a health check cannot see), so this asks each role's
`/api/<role>/health` on the local port until one answers 200. LCNC_HEALTH_URL overrides the address.
`healthcheck.py --worker` checks a worker container instead: an `lcnc worker` process is alive in it and the
broker in REDIS_URL (when set) answers a PING.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

ROLES = ("gateway", "workflow", "orchestrator", "agents", "tools", "rag", "sqltool", "observability")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - loopback http only
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def worker_alive() -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if any(arg.endswith(b"lcnc") for arg in argv) and b"worker" in argv:
            return True
    return False


def broker_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def main() -> int:
    if "--worker" in sys.argv[1:]:
        redis_url = os.environ.get("REDIS_URL", "")
        return 0 if worker_alive() and (not redis_url or broker_answers(redis_url)) else 1
    explicit = os.environ.get("LCNC_HEALTH_URL")
    if explicit:
        return 0 if healthy(explicit) else 1
    port = os.environ.get("PORT", "8000")
    return 0 if any(healthy(f"http://127.0.0.1:{port}/api/{role}/health") for role in ROLES) else 1


if __name__ == "__main__":
    sys.exit(main())
