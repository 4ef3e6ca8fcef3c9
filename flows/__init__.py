"""Prefect wiring of the pipeline: tasks, the batch flow, the scheduled deployment.

Importing this package first sets Prefect defaults that an on-premises bank installation
needs (an explicit environment variable still wins):

* no usage analytics sent from a Prefect server started by callsentry (no network call
  leaves the machine except to our own server, database and SMTP relay);
* no task result persisted by default (results between transcription and masking hold raw
  text, which may live in memory only).
"""

import os

for _name, _value in (
    ("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
    ("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "false"),
):
    os.environ.setdefault(_name, _value)
