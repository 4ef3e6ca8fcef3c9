"""Sessions in a signed cookie, and the CSRF token that every form carries.

The cookie holds the user name, a random CSRF token and nothing else, signed with the console
secret (itsdangerous, HMAC-SHA1 over a timestamped payload) and sent HttpOnly, SameSite=Strict.
A visitor without a session gets an anonymous one (a CSRF token only), so the login form has a
token too. Roles are read from the store on every request, so disabling a user takes effect at
once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "callsentry_session"
CSRF_FIELD = "csrf"  # the hidden field of every form
CSRF_TOKEN_BYTES = 32
_SALT = "callsentry-console-session"


@dataclass(frozen=True)
class Session:
    """What the cookie says."""

    user: str | None  # None before login
    csrf: str  # the token forms must send back


class SessionCodec:
    """Signs and reads session cookies."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        if not secret:
            raise ValueError("the console needs a secret (CALLSENTRY_CONSOLE_SECRET)")
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.max_age_s = max_age_s

    def dumps(self, session: Session) -> str:
        """The cookie value of a session."""
        return self._serializer.dumps({"u": session.user, "c": session.csrf})

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie; None when absent, tampered with or expired."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        user = data.get("u")
        return Session(user if isinstance(user, str) else None, data["c"])


def new_session(user: str | None = None) -> Session:
    """A session with a fresh CSRF token."""
    return Session(user, secrets.token_urlsafe(CSRF_TOKEN_BYTES))


def csrf_matches(session: Session | None, sent: str | None) -> bool:
    """Whether a form's token is the session's (constant-time comparison)."""
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode(), sent.encode())
