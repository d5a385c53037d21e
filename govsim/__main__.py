"""`python -m govsim ...` is the same as `govsim ...`."""

import sys

from .cli import main

sys.exit(main())
