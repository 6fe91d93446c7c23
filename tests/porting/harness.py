"""Run one PyTorch program twice: with PyTorch, then with this project under torch's names.

    torch_run, our_run = run_both(SOURCE)
    assert_close(torch_run, our_run, "loss", "model.0.weight")

The source is a PyTorch program as people write it (``import torch``, ``import torch.nn as nn``,
``from torch.utils.data import DataLoader``...). The second run executes the very same text with
``torch`` and its submodules bound to this project's packages (``autograd``, ``nn``, ``optim``,
``seegrad.data``) through ``sys.modules``, restored afterwards.

Both runs draw the same random numbers: during the PyTorch run every draw (``torch.randn``,
``torch.rand``, ``randint``, ``randperm``, ``Tensor.uniform_``/``normal_``, which nn.init and
the layers' default inits use) is recorded in order; during ours, ``ag.get_rng()`` is replaced
by a generator that hands back those numbers in the same order, checking that each request asks
for the same kind of draw and shape (a mismatch is an error naming both). Python's ``random``
is seeded alike before each run. Each run returns its namespace (tensors as numpy arrays,
modules as their state dicts, under "name.key") and what it printed.
"""
import contextlib
import io
import random
import sys

import numpy as np

TORCH_MODULES = {  # torch's module name -> ours (resolved when the run starts)
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.utils": "nn.utils",
    "torch.optim": "optim",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.utils": None,  # autograd.utils
    "torch.utils.data": "seegrad.data",
    "torch.autograd": None,  # autograd.autograd
    "torch.linalg": None,  # autograd.linalg
}


class Run:
    """What one run left: ``values`` (name -> numpy array or Python value) and ``stdout``."""

    def __init__(self, namespace, stdout):
        self.stdout = stdout
        self.values = {}
        for name, value in namespace.items():
            if not name.startswith("__"):
                self._keep(name, value)

    def _keep(self, name, value):
        if isinstance(value, type):
            return
        if hasattr(value, "detach") and hasattr(value, "shape"):  # a tensor of either library
            self.values[name] = np.array(value.detach().cpu().numpy() if hasattr(value, "cpu") else value.detach())
        elif hasattr(value, "state_dict") and hasattr(value, "parameters"):  # a module
            for key, tensor in value.state_dict().items():
                self._keep(f"{name}.{key}", tensor)
        elif isinstance(value, (int, float, bool, str)):
            self.values[name] = value

    def __getitem__(self, name):
        return self.values[name]

    def printed_numbers(self):
        """Every number the program printed, in order (to compare two runs' logs)."""
        import re

        return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?", self.stdout)]


class _Tape:
    """The random draws of the PyTorch run, in order: (kind, shape, values)."""

    def __init__(self):
        self.draws = []

    def record(self, kind, tensor):
        self.draws.append((kind, tuple(tensor.shape), tensor.detach().cpu().numpy().copy()))


class _Replay:
    """Stands in for ``ag.get_rng()`` in our run: hands back the PyTorch run's draws in order."""

    def __init__(self, draws):
        self.draws = list(draws)
        self.used = 0

    def _next(self, kind, size):
        shape = () if size is None else tuple(np.atleast_1d(size)) if not isinstance(size, tuple) else size
        if self.used >= len(self.draws):
            raise AssertionError(f"porting harness: our run drew {kind} numbers of shape {shape}, draw "
                                 f"#{self.used + 1}, but the PyTorch run made only {len(self.draws)} draws")
        want_kind, want_shape, values = self.draws[self.used]
        self.used += 1
        if want_kind != kind or int(np.prod(want_shape)) != int(np.prod(shape)):
            raise AssertionError(f"porting harness: draw #{self.used}: our run asked for {kind} numbers of shape "
                                 f"{shape}, the PyTorch run drew {want_kind} numbers of shape {want_shape}")
        return values.reshape(shape).astype(np.float64) if kind != "integers" and kind != "permutation" \
            else values.reshape(shape)

    def standard_normal(self, size=None, dtype=None):
        return self._next("normal", size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._next("normal", size)

    def random(self, size=None, dtype=None):
        return self._next("uniform", size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._next("uniform", size)

    def integers(self, low, high=None, size=None, dtype=None, endpoint=False):
        return self._next("integers", size)

    def permutation(self, x):
        return self._next("permutation", (x,) if isinstance(x, int) else np.shape(x))


@contextlib.contextmanager
def _recording(tape):
    """Record every random draw PyTorch makes through its Python API."""
    import torch

    originals = {}

    def wrap(owner, name, kind):
        original = getattr(owner, name)
        originals[(owner, name)] = original

        def recorded(*args, **kwargs):
            out = original(*args, **kwargs)
            tape.record(kind, out)
            return out

        setattr(owner, name, recorded)

    for name, kind in (("randn", "normal"), ("rand", "uniform"), ("randint", "integers"), ("randperm", "permutation"),
                       ("randn_like", "normal"), ("rand_like", "uniform")):
        wrap(torch, name, kind)
    wrap(torch.Tensor, "uniform_", "uniform")
    wrap(torch.Tensor, "normal_", "normal")
    try:
        yield
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


@contextlib.contextmanager
def _as_torch():
    """``import torch`` (and its submodules) gives this project's packages while inside."""
    import importlib

    import autograd

    saved = {name: sys.modules.get(name) for name in TORCH_MODULES}
    replacements = {"torch.utils": autograd.utils, "torch.autograd": autograd.autograd, "torch.linalg": autograd.linalg}
    try:
        for name, ours in TORCH_MODULES.items():
            sys.modules[name] = replacements[name] if ours is None else importlib.import_module(ours)
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _execute(source, name):
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"<{name} run>", "exec"), namespace)
    return Run(namespace, out.getvalue())


def run_both(source, seed=0):
    """Run ``source`` with PyTorch, then with this project in its place; return the two Runs."""
    import torch

    import autograd

    tape = _Tape()
    torch.manual_seed(seed)
    random.seed(seed)
    with _recording(tape):
        torch_run = _execute(source, "PyTorch")
    replay = _Replay(tape.draws)
    state = autograd.get_rng_state()
    autograd.random._generator[0] = replay
    random.seed(seed)
    try:
        with _as_torch():
            our_run = _execute(source, "seegrad")
    finally:
        autograd.set_rng_state(state)
    if replay.used != len(replay.draws):
        raise AssertionError(f"porting harness: the PyTorch run made {len(replay.draws)} random draws, ours only "
                             f"{replay.used}")
    return torch_run, our_run


def assert_close(torch_run, our_run, *names, rtol=1e-4, atol=1e-5):
    """The named values of the two runs agree (arrays elementwise, within rtol/atol)."""
    for name in names:
        want, got = torch_run[name], our_run[name]
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=f"{name}: ours differs from PyTorch's")
