"""Login with email and password, throttled per email and per client address."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from builder.auth.errors import AuthError, RateLimited, Unauthorized
from builder.auth.passwords import hash_password, needs_rehash, verify_password
from builder.auth.tokens import TokenPair, start_session
from builder.auth.users import find_user, normalize_email, workspaces_of
from builder.security.ratelimit import Limiter
from builder.settings import Settings

log = logging.getLogger("lcnc.auth")
IP_FACTOR = 4  # an address may fail for a few accounts before it is throttled


def _keys(email: str, address: str) -> tuple[str, str]:
    digest = hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()[:32]
    return f"login:email:{digest}", f"login:ip:{address}"


async def login(session: AsyncSession, settings: Settings, limiter: Limiter, *, email: str, password: str,
                workspace_id: str | None, address: str) -> TokenPair:
    """Check the password and start a session; 401 on a wrong pair, 429 when this email or address has failed
    too often in the last LOGIN_WINDOW seconds (checked before the password, so throttled guesses learn nothing)."""
    email_key, ip_key = _keys(email, address)
    limit, window = settings.login_max_attempts, settings.login_window
    for key, key_limit in ((email_key, limit), (ip_key, limit * IP_FACTOR)):
        decision = await limiter.peek(key, key_limit, window)
        if not decision.allowed:
            log.warning("auth: login throttled for %s from %s (%s)", normalize_email(email)[:320], address,
                        key.split(":")[1])
            raise RateLimited(decision.retry_after, "too many failed logins")
    user = await find_user(session, email)
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        await limiter.hit(email_key, limit, window)
        await limiter.hit(ip_key, limit * IP_FACTOR, window)
        log.warning("auth: failed login for %s from %s", normalize_email(email)[:320], address)
        raise Unauthorized("wrong email or password")
    await limiter.reset(email_key)
    memberships = await workspaces_of(session, user.id)
    if not memberships:
        raise AuthError(403, "this account belongs to no workspace; ask an owner to add it")
    ids = [ws_id for ws_id, _name, _role in memberships]
    if workspace_id is not None and workspace_id not in ids:
        raise AuthError(404, "workspace not found")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(hash_password, password)
    pair = await start_session(session, settings, user_id=user.id, workspace_id=workspace_id or ids[0])
    log.info("auth: login of %s from %s", user.id, address)
    return pair
