"""Console users and login attempts: argon2id password hashes, roles, a failed-login count.

A password is hashed with argon2id (argon2-cffi's defaults) and never stored or logged; a login
is checked against the hash in constant time, and an unknown name costs the same as a wrong
password. Every change to a user is written to the audit chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from pipeline.store.audit import AuditLog
from pipeline.store.database import Database
from pipeline.store.records import UserRecord
from pipeline.store.schema import Role, login_attempts, users, utc_now

MAX_NAME_CHARS = 100  # of a user name (the column's width)
MIN_PASSWORD_CHARS = 8
_HASHER = PasswordHasher()
# Checked against when the name is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("callsentry-no-such-user")


class UserExistsError(ValueError):
    """A user of this name exists already."""


def valid_name(name: str) -> bool:
    """A user name: 1 to 100 letters, digits, ``.``, ``-``, ``_`` or ``@``."""
    return 0 < len(name) <= MAX_NAME_CHARS and all(c.isalnum() or c in ".-_@" for c in name)


class UserRepository:
    """Users, their password hashes and login attempts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, name: str, role: Role, password: str, *, actor: str) -> UserRecord:
        """Create a user with an argon2id hash of ``password``; UserExistsError when taken."""
        if not valid_name(name):
            raise ValueError(f"invalid user name {name!r}")
        if len(password) < MIN_PASSWORD_CHARS:
            raise ValueError(f"password shorter than {MIN_PASSWORD_CHARS} characters")
        role = Role(role)
        now = utc_now()
        try:
            with self._db.write() as conn:
                inserted = conn.execute(
                    insert(users).values(
                        name=name,
                        role=role.value,
                        password_hash=_HASHER.hash(password),
                        created_at=now,
                        disabled=False,
                    )
                ).inserted_primary_key
                assert inserted is not None
                AuditLog.append(conn, actor, "user.added", f"user:{name}", {"role": role.value})
        except IntegrityError as exc:
            raise UserExistsError(f"user {name!r} exists already") from exc
        return UserRecord(int(inserted[0]), name, role, now, False)

    def set_disabled(self, name: str, disabled: bool, *, actor: str) -> bool:
        """Disable or enable a user; False when there is no such user."""
        with self._db.write() as conn:
            done = conn.execute(
                update(users).where(users.c.name == name).values(disabled=disabled)
            ).rowcount
            if done:
                action = "user.disabled" if disabled else "user.enabled"
                AuditLog.append(conn, actor, action, f"user:{name}", {})
        return bool(done)

    def get(self, name: str) -> UserRecord | None:
        """The user of this name, or None."""
        with self._db.read() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        return None if row is None else _user(row)

    def all(self) -> list[UserRecord]:
        """Every user, by name."""
        with self._db.read() as conn:
            rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
        return [_user(r) for r in rows]

    def by_role(self, role: Role) -> list[UserRecord]:
        """The enabled users of one role, by name."""
        return [u for u in self.all() if u.role is role and not u.disabled]

    def authenticate(self, name: str, password: str) -> UserRecord | None:
        """The user when ``password`` matches and the user is enabled, else None."""
        with self._db.read() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
        try:
            _HASHER.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        return _user(row)

    # --- login attempts ------------------------------------------------------------------------

    def record_login(self, name: str, client: str, success: bool) -> None:
        """Remember a login attempt (and audit a successful one)."""
        with self._db.write() as conn:
            conn.execute(
                insert(login_attempts).values(
                    name=name[:MAX_NAME_CHARS],
                    client=client[:MAX_NAME_CHARS],
                    success=success,
                    at=utc_now(),
                )
            )
            if success:
                AuditLog.append(conn, name, "user.login", f"user:{name}", {"client": client})

    def recent_failures(self, *, name: str, client: str, since: datetime) -> int:
        """The larger of the failed logins for ``name`` and from ``client`` since ``since``."""
        base = select(func.count()).select_from(login_attempts)
        failed = base.where(login_attempts.c.success.is_(False), login_attempts.c.at >= since)
        with self._db.read() as conn:
            by_name = conn.execute(failed.where(login_attempts.c.name == name)).scalar() or 0
            by_client = conn.execute(failed.where(login_attempts.c.client == client)).scalar() or 0
        return max(int(by_name), int(by_client))


def window_start(seconds: float) -> datetime:
    """The start of a window of ``seconds`` that ends now."""
    return utc_now() - timedelta(seconds=seconds)


def _user(r: RowMapping) -> UserRecord:
    return UserRecord(
        pk=int(r["id"]),
        name=r["name"],
        role=Role(r["role"]),
        created_at=r["created_at"],
        disabled=bool(r["disabled"]),
    )
