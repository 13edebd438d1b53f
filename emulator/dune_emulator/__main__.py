"""Entry point for `python -m dune_emulator`."""

import sys

from .cli import main

sys.exit(main())
