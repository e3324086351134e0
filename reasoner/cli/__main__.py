"""`python -m reasoner.cli`: the same as the `glr` command."""

import sys

from .main import main

sys.exit(main())
