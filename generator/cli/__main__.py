"""`python -m schemagen.cli`: the command line, as the `schemagen` entry point runs it (without entry's shortcuts)."""
import sys

from schemagen.cli import main

sys.exit(main())
