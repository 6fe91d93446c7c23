"""Keras' progress line: ``32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 3ms/step - accuracy: 0.9000 - loss: 0.2500``.

verbose=1 redraws one line as the batches go (on a terminal; elsewhere it prints the line once,
when the epoch ends); verbose=2 prints ``32/32 - 1s - 3ms/step - accuracy: ... - loss: ...`` at
the end only. No colours, and no dependency: it writes to stdout.
"""
import sys
import time

__all__ = ["Progbar", "format_logs"]


def format_value(v, verbose=1):
    """Keras' rule: 4 decimals above 1e-3, else 4 digits in e-notation (0 is 0.0000e+00). Keras compares
    the absolute value on the live line (verbose=1) but the value itself at verbose=2, where a negative
    figure is written in e-notation: both as Keras does."""
    return f"{v:.4f}" if (abs(v) if verbose == 1 else v) > 1e-3 else f"{v:.4e}"


def format_logs(logs, verbose=1):
    """' - accuracy: 0.9000 - loss: 0.2500' in the logs' order, as Keras prints them (fit sorts the figures
    by name; a callback's additions, such as ReduceLROnPlateau's learning_rate, come last)."""
    return "".join(f" - {k}: {format_value(v, verbose)}" for k, v in logs.items())


def format_time(seconds, unit="step"):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """``update(current, logs)`` after each batch of ``target``; ``finish(logs)`` at the end."""

    def __init__(self, target, verbose=1, width=20, file=None, interval=0.05):
        self.target, self.verbose, self.width, self.interval = target, verbose, width, interval
        self.file = file or sys.stdout
        self.start = self._last_draw = time.perf_counter()
        self.interactive = self.file.isatty() if hasattr(self.file, "isatty") else False
        self._drawn = False

    def _line(self, current, logs, done):
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / current if current else 0.0
        n = len(str(self.target))
        if self.verbose == 2:
            return f"{current:{n}d}/{self.target} - {elapsed:.0f}s - {format_time(per_step)}{format_logs(logs, 2)}"
        filled = int(self.width * current / self.target) if self.target else self.width
        bar = "━" * filled + "─" * (self.width - filled)
        eta = elapsed if done else per_step * (self.target - current)
        return f"{current:{n}d}/{self.target} {bar} {eta:.0f}s {format_time(per_step)}{format_logs(logs)}"

    def update(self, current, logs=None):
        if self.verbose != 1 or not self.interactive:
            return
        now = time.perf_counter()
        if now - self._last_draw < self.interval and current < self.target:
            return
        self._last_draw = now
        self.file.write("\r" + self._line(current, logs or {}, False) + "\x1b[K")
        self.file.flush()
        self._drawn = True

    def finish(self, logs=None):
        if not self.verbose:
            return
        line = self._line(self.target, logs or {}, True)
        self.file.write(("\r" + line + "\x1b[K" if self._drawn else line) + "\n")
        self.file.flush()
