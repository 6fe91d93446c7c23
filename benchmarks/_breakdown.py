"""Where a step's time goes: wall time per step spent in chosen functions, numpy's matmul among them.

    with Breakdown() as b:
        b.watch(conv_module, "im2col", "col2im")     # module-level functions, looked up at call time
        b.watch_method(Convolution, "forward", "backward")
        b.watch_matmul()                             # numpy.matmul, however the engine reaches it
        for _ in range(steps):
            step()
    b.report(steps)                                  # ms per step, outermost first

Nested watched calls are counted in both (matmul inside Convolution.forward shows in each);
the report says which contain which. The wrappers cost ~0.3 us a call.
"""
import time


class Breakdown:
    def __init__(self):
        self.totals, self.calls, self._undo = {}, {}, []

    def _record(self, name, seconds):
        self.totals[name] = self.totals.get(name, 0.0) + seconds
        self.calls[name] = self.calls.get(name, 0) + 1

    def _wrap(self, owner, attr, label):
        fn = getattr(owner, attr)
        record = self._record

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                record(label, time.perf_counter() - start)
        self._undo.append((owner, attr, owner.__dict__[attr]))
        setattr(owner, attr, timed)

    def watch(self, module, *names):
        for name in names:
            self._wrap(module, name, name)

    def watch_method(self, cls, *names):
        for name in names:
            self._wrap(cls, name, f"{cls.__name__}.{name}")

    def watch_matmul(self):
        """numpy's matmul, wherever it is called from: the engine reaches it through its backend
        (``ctx.xp.matmul``, ``by_input.matmul``), which looks the name up on numpy at call time."""
        import numpy
        self._wrap(numpy, "matmul", "matmul")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for owner, attr, value in reversed(self._undo):
            setattr(owner, attr, value)

    def report(self, steps, total=None):
        """Print ms per step and calls per step for each watched name; ``total`` seconds per step
        (measured without the wrappers) adds a line for the rest."""
        for name, seconds in sorted(self.totals.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<24} {seconds / steps * 1e3:8.2f} ms/step  ({self.calls[name] / steps:.0f} calls)")
        if total is not None:
            print(f"  {'whole step':<24} {total * 1e3:8.2f} ms/step")
