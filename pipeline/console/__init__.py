"""The review console: a server-rendered web application over the store (masked data only).

:func:`~pipeline.console.app.create_app` builds it; ``callsentry console`` serves it. Routes are
split by job under :mod:`pipeline.console.routes` (auth, calls, review, dashboards, admin);
templates and the small stylesheet and script ship in the package, nothing loads from a network.
"""

from __future__ import annotations

from pipeline.console.app import create_app

__all__ = ["create_app"]
