"""``python -m seegrad train ...``: the ``seegrad`` command."""
import sys

from seegrad.cli import main

sys.exit(main())
