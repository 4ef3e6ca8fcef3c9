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
    VIEW_QUEUES = "view_queues"  # the open appeals and the assignments (read only)
    READ_AUDIT = "read_audit"  # the audit log
    VIEW_USERS = "view_users"  # the user list (read only)
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
            Permission.VIEW_QUEUES,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.VIEW_CALLS,
            Permission.VIEW_QUEUES,
            Permission.READ_AUDIT,
            Permission.VIEW_USERS,
        }
    ),
    Role.ADMIN: frozenset({Permission.VIEW_USERS, Permission.MANAGE_USERS}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``."""
    return permission in ROLE_PERMISSIONS[Role(role)]
