"""``python -m pipeline.cli ...``: the ``callsentry`` command without the console script."""

import sys

from pipeline.cli import main

sys.exit(main())
