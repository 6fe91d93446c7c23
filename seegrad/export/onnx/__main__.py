"""``python -m seegrad.export.onnx RUN_OR_WEIGHTS``: the ``seegrad-export`` command."""
import sys

from .export import main

sys.exit(main())
