"""The console's routes, one module per job: auth, calls, review, dashboards, admin."""
