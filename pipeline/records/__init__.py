"""Call-detail records (CDR): the call's metadata, and the checks that need it.

- :mod:`~pipeline.records.cdr`: the CDR CSV of a batch (one row per call), read into
  :class:`CallRecord` objects with the customer's number replaced at once by a keyed hash;
- :mod:`~pipeline.records.registry`: the centre's registered numbers (码号管理);
- :mod:`~pipeline.records.calendar`: the workday calendar (rest-day and workday overrides of
  the weekend default);
- :mod:`~pipeline.records.policy`: calling hours and contact caps per purpose, in a time zone;
- :mod:`~pipeline.records.checks`: the five record checks (``registered-caller-number``,
  ``number-purpose-mismatch``, ``calling-hours``, ``contact-frequency``,
  ``contact-after-refusal``) against the contact history kept in the store;
- :mod:`~pipeline.records.batch`: a batch's CDR with the centre's files, and the order its calls
  are checked in.

Nothing here does I/O beyond reading the three files it is given.
"""
