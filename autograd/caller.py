"""Warnings that point at the user's line: the first frame outside this project's packages, however deep
inside them the warning is raised (an in-place twin, a module's forward and a front can stand between)."""
import os
import sys
import warnings

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGES = tuple(os.path.join(_ROOT, name) + os.sep for name in ("autograd", "nn", "optim", "seegrad"))


def warn(message, category=UserWarning):
    """warnings.warn(message, category) attributed to the code that called into the project."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGES):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
