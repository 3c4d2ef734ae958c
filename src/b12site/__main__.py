"""Run the command line interface with ``python -m b12site``."""

import sys

from b12site.cli import main

sys.exit(main())
