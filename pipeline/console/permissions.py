"""What each role may do: a closed set of permissions and the table that grants them."""

from __future__ import annotations

from enum import StrEnum

from pipeline.store.schema import Role


class Permission(StrEnum):
    """One thing a console user may do."""

    VIEW_CALLS = "view_calls"  # the call list, call pages, redacted audio, dashboards, precision
    REVIEW = "review"  # confirm or dismiss a finding
    APPEAL = "appeal"  # file an appeal for the agent on a confirmed finding
    JUDGE = "judge"  # give the final judgement on an appeal
    ASSIGN = "assign"  # assign calls to reviewers
    READ_AUDIT = "read_audit"  # the audit log
    MANAGE_USERS = "manage_users"  # add, disable and enable users


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.REVIEWER: frozenset({Permission.VIEW_CALLS, Permission.REVIEW, Permission.APPEAL}),
    Role.SUPERVISOR: frozenset(
        {
            Permission.VIEW_CALLS,
            Permission.REVIEW,
            Permission.APPEAL,
            Permission.JUDGE,
            Permission.ASSIGN,
        }
    ),
    Role.AUDITOR: frozenset({Permission.VIEW_CALLS, Permission.READ_AUDIT}),
    Role.ADMIN: frozenset({Permission.MANAGE_USERS}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``."""
    return permission in ROLE_PERMISSIONS[Role(role)]
