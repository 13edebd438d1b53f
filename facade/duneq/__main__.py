"""``python -m duneq``: the same as the ``duneq`` command."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
