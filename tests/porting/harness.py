"""Run one PyTorch program twice: with PyTorch, then with this project under torch's names.

    torch_run, our_run = run_both(SOURCE)
    assert_close(torch_run, our_run, "loss", "model.0.weight")

The source is a PyTorch program as people write it (``import torch``, ``import torch.nn as nn``,
``from torch.utils.data import DataLoader``...). The second run executes the very same text with
``torch`` and its submodules bound to this project's packages (``autograd``, ``nn``, ``optim``,
``seegrad.data``) through ``sys.modules``, restored afterwards.

Both runs draw the same random numbers: during the PyTorch run every draw (``torch.randn``,
``torch.rand``, ``randint``, ``randperm`` (also random_split's), ``Tensor.uniform_``/``normal_``,
which nn.init and the layers' default inits use, a shuffling DataLoader's order for each epoch
(a RandomSampler with replacement's, 32 indices a draw, as both draw them),
and dropout's masks; not gradcheck's own random directions) is recorded in order;
during ours, ``ag.get_rng()`` is replaced by a generator that hands back those numbers in the
same order, checking that each request asks for the same kind of draw and shape (a mismatch is
an error naming both). Draws from an explicit generator (``torch.Generator().manual_seed(0)``
given to a DataLoader or ``torch.randn``) come from the same record, in the same order. A
dropout mask is drawn inside PyTorch's C++ code, out of reach: the record holds the mask
itself (PyTorch's dropout run again on ones from the same generator state), as the uniform
numbers that give that mask under this project's rule ``keep = u >= p``; so is the mask
``F.scaled_dot_product_attention(..., dropout_p)`` draws for the attention weights (as
MultiheadAttention calls it in the Transformer layers). The draws
torch.distributions makes in C++ are recorded as the numbers ag.distributions draws for them:
``torch.normal(mean, std)`` as the standard normal numbers (out - mean) / std, ``torch.bernoulli``
as uniform numbers below p exactly where it drew a 1, ``torch.multinomial`` with replacement (one
class per draw, Categorical.sample) as the uniform number in the middle of the chosen class's slice
of the cumulative probabilities, and ``Tensor.exponential_`` as u = 1 - exp(-e). Python's ``random``
is seeded alike before each run. A program's processes (``torch.multiprocessing.Process``, started
with fork and each joined before the next starts) bring back, when joined, what they printed and their
draws: the PyTorch run's children add theirs to the record, ours say how far they went in it. Each run
returns its namespace (tensors as numpy arrays, modules as their state dicts, under "name.key", lists
of numbers (or of equal lists of numbers) as arrays, lists of tensors under "name.i") and what it printed.

    assert_same(torch_run, our_run)   # every value both runs left: names, shapes, dtypes, numbers
"""
import contextlib
import io
import random
import sys
import warnings

import numpy as np

TORCH_MODULES = {  # torch's module name -> ours (resolved when the run starts)
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.utils": "nn.utils",
    "torch.nn.utils.rnn": "nn.utils.rnn",
    "torch.nn.utils.prune": "nn.utils.prune",
    "torch.nn.utils.parametrize": "nn.utils.parametrize",
    "torch.nn.utils.parametrizations": "nn.utils.parametrizations",
    "torch.optim": "optim",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.utils": None,  # autograd.utils
    "torch.utils.data": "seegrad.data",
    "torch.utils.data.dataloader": "seegrad.data.loader",  # (minGPT: from torch.utils.data.dataloader import ...)
    "torch.utils.data.dataset": "seegrad.data.dataset",
    "torch.utils.data.sampler": "seegrad.data.samplers",
    "torch.utils.checkpoint": "autograd.checkpoint",
    "torch.autograd": None,  # autograd.autograd
    "torch.linalg": None,  # autograd.linalg
    "torch.distributions": "autograd.distributions",
    "torch.distributions.categorical": "autograd.distributions.categorical",  # (Raschka: from ... import Categorical)
    "torch.func": "autograd.func",
    "torch.distributed": "autograd.distributed",
    "torch.multiprocessing": "autograd.multiprocessing",
    "torch.nn.parallel": "nn.parallel",
    "torch.utils.data.distributed": "seegrad.data",  # (DistributedSampler)
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
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
            self.values[name] = np.array(value)  # a log of losses, accuracies, learning rates...
        elif (isinstance(value, list) and value and all(isinstance(v, list) and v and len(v) == len(value[0])
                                                         and all(isinstance(x, (int, float)) for x in v)
                                                         for v in value)):
            self.values[name] = np.array(value)  # a table of numbers (a log of one row per step)
        elif isinstance(value, (list, tuple)) and value and all(hasattr(v, "detach") for v in value):
            for i, tensor in enumerate(value):  # a list of tensors (gradients, outputs...)
                self._keep(f"{name}.{i}", tensor)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            self.values[name] = tuple(value)  # texts (generated samples, labels...): compared exactly
        elif isinstance(value, dict) and value and all(isinstance(k, str) and hasattr(v, "detach")
                                                       for k, v in value.items()):
            for key, tensor in value.items():  # a state dict loaded from a file
                self._keep(f"{name}.{key}", tensor)

    def __getitem__(self, name):
        return self.values[name]

    def printed_numbers(self):
        """Every number the program printed, in order (to compare two runs' logs)."""
        import re

        return [float(m) for m in re.findall(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?", self.stdout)]

    def printed_text(self):
        """What the program printed, numbers aside (printed_numbers has them): sampled text, labels, verdicts.
        A shape prints as a tuple here, `torch.Size([3, 2])` in PyTorch (README, "Differences from PyTorch"):
        both written as tuples. A number keeps its sign with it: `%+f` of a mean that is zero but for
        rounding (as gradients behind a BatchNorm sum to) prints +0.000000 in one run, -0.000000 in the other."""
        import re

        return re.sub(r"[-+]?\d+\.?\d*(?:[eE][-+]?\d+)?", "#", re.sub(*SIZE_AS_TUPLE, self.stdout))


def _size_as_tuple(match):
    return repr(tuple(int(n) for n in match[1].split(",") if n.strip()))


# A shape prints as the tuple it is here, ``(3, 4)``, where PyTorch's prints ``torch.Size([3, 4])`` (README,
# "Differences from PyTorch"): ``re.sub(*SIZE_AS_TUPLE, text)`` writes PyTorch's as ours, to compare printed text
SIZE_AS_TUPLE = (r"torch\.Size\(\[([\d, ]*)\]\)", _size_as_tuple)


class _Tape:
    """The random draws of the PyTorch run, in order: (kind, shape, values)."""

    def __init__(self):
        self.draws = []
        self.paused = 0

    def record(self, kind, tensor):
        if not self.paused:
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
    """Record every random draw PyTorch makes through its Python API, and dropout's masks."""
    import torch
    import torch.utils.data.dataset

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
    wrap(torch.Tensor, "random_", "integers")
    wrap(torch.utils.data.dataset, "randperm", "permutation")  # random_split's (imported by name)
    for name in _DROPOUT_NOISE:
        _record_dropout(torch, tape, originals, name)
    _record_attention_dropout(torch, tape, originals)
    _record_rnn_dropout(torch, tape, originals)
    _record_distribution_draws(torch, tape, originals)
    def unrecorded(owner, name):  # draws made inside owner.name are not the program's
        originals[(owner, name)] = original = getattr(owner, name)

        def call(*args, **kwargs):
            tape.paused += 1
            try:
                return original(*args, **kwargs)
            finally:
                tape.paused -= 1

        setattr(owner, name, call)

    unrecorded(torch.autograd, "gradcheck")  # (their own random directions)
    unrecorded(torch.autograd, "gradgradcheck")
    # a DataLoader's iterator draws a base seed for its workers (Tensor.random_), which ours has no use for
    unrecorded(torch.utils.data.dataloader._BaseDataLoaderIter, "__init__")
    sampler = torch.utils.data.RandomSampler
    originals[(sampler, "__iter__")] = sampler_iter = sampler.__iter__

    def recorded_sampler_iter(self):  # one epoch's order, as ours draws it (PyTorch draws an unused one too)
        if self.replacement:  # lazily, 32 indices a draw as both libraries draw them (num_samples may be 1e10)
            yield from _recorded_in_chunks(tape, sampler_iter(self), 32)
            return
        tape.paused += 1
        try:
            order = list(sampler_iter(self))
        finally:
            tape.paused -= 1
        n = len(self.data_source)
        for start in range(0, len(order), n):  # ours: one permutation of n per n samples
            part = order[start:start + n]  # samples, the last cut short (num_samples % n, its first ones)
            unused = sorted(set(range(n)) - set(part))
            tape.draws.append(("permutation", (n,), np.array(part + unused)))
        yield from order

    sampler.__iter__ = recorded_sampler_iter
    try:
        yield
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


def _recorded_in_chunks(tape, indices, size):
    """Yield from ``indices`` (PyTorch's sampler, its own draws unrecorded), recording each ``size`` of them
    (and the last, shorter chunk) as one draw of integers when the chunk starts."""
    while True:
        tape.paused += 1
        try:
            chunk = [i for _, i in zip(range(size), indices)]
        finally:
            tape.paused -= 1
        if chunk:
            tape.draws.append(("integers", (len(chunk),), np.array(chunk)))
        yield from chunk
        if len(chunk) < size:
            return


def _feature_noise(shape):
    return tuple(shape[:2]) + (1,) * (len(shape) - 2)


def _unbatched_feature_noise(batched_ndim):
    """The noise of dropout1d / dropout3d: one per channel, with a batch dim of 1 added when there is none."""
    return lambda shape: _feature_noise(shape if len(shape) == batched_ndim else (1,) + tuple(shape))


# F.<name> -> the shape of the uniform numbers this project's version draws for an input of a given shape
_DROPOUT_NOISE = {
    "dropout": tuple,
    "alpha_dropout": tuple,
    "dropout1d": _unbatched_feature_noise(3),
    "dropout2d": _feature_noise,
    "dropout3d": _unbatched_feature_noise(5),
    "feature_alpha_dropout": _feature_noise,
}


def _record_dropout(torch, tape, originals, name):
    """Record a dropout function's mask: PyTorch draws it in C++, so it is taken from PyTorch's own function
    run on ones at the same generator state (kept entries come out positive, also for alpha dropout), cut
    down to one entry per draw (a channel's first element), as the uniform numbers that give that mask
    under this project's rule ``keep = u >= p``."""
    functional = torch.nn.functional
    originals[(functional, name)] = original = getattr(functional, name)
    noise_shape = _DROPOUT_NOISE[name]
    training_default = "alpha" not in name  # (PyTorch's alpha dropouts default to training=False)

    def recorded(input, p=0.5, training=training_default, inplace=False):
        if training and 0 < p < 1 and input.numel():
            state = torch.get_rng_state()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (the deprecation warnings come from the real call below)
                # (on ones laid out as the input: PyTorch draws in memory order, a transposed input's mask transposed)
                kept = (original(torch.ones_like(input), p, True) > 0).numpy()
            torch.set_rng_state(state)
            shape = noise_shape(tuple(input.shape))
            kept = kept.reshape((1,) * (len(shape) - kept.ndim) + kept.shape)  # (the batch dim added, if any)
            kept = kept[tuple(slice(None) if n > 1 else slice(0, 1) for n in shape)].reshape(shape)
            tape.draws.append(("uniform", shape, np.where(kept, np.nextafter(1.0, 0.0), 0.0)))
        return original(input, p, training, inplace)

    setattr(functional, name, recorded)


def _record_attention_dropout(torch, tape, originals):
    """Record the mask F.scaled_dot_product_attention(..., dropout_p) draws for the attention weights
    (N..., L, S), as MultiheadAttention calls it when the weights are not asked for (in the Transformer
    layers): PyTorch's CPU math path drops them as dropout drops a tensor of that shape, from the same
    generator state; recorded as the uniform numbers that give that mask here (``keep = u >= p``)."""
    functional = torch.nn.functional
    originals[(functional, "scaled_dot_product_attention")] = attention = functional.scaled_dot_product_attention
    dropout = originals[(functional, "dropout")]

    def recorded(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, **kwargs):
        if dropout_p > 0:
            shape = tuple(torch.broadcast_shapes(query.shape[:-2], key.shape[:-2])) + (query.shape[-2], key.shape[-2])
            state = torch.get_rng_state()
            kept = dropout(torch.ones(shape), dropout_p, True) != 0
            torch.set_rng_state(state)
            tape.draws.append(("uniform", shape, np.where(kept.numpy(), np.nextafter(1.0, 0.0), 0.0)))
        return attention(query, key, value, attn_mask, dropout_p, is_causal, **kwargs)

    functional.scaled_dot_product_attention = recorded


def _record_rnn_dropout(torch, tape, originals):
    """Record the masks nn.RNN/LSTM/GRU(num_layers > 1, dropout=p) draw in training between their layers:
    PyTorch draws them inside one C++ call (``_VF.lstm``...), out of reach, so during the PyTorch run such a
    call runs as PyTorch's C++ runs it, layer by layer on (L, N, H) (batch_first transposed first; one-layer
    ``_VF`` calls on each layer's weights and its slice of the initial state), each layer's output but the
    last going through ``F.dropout`` (whose mask is recorded). Packed sequences pass through unchanged (their masks stay out of reach)."""
    from torch import _VF

    dropout = torch.nn.functional.dropout  # (the recorded one)

    def replace(name):
        originals[(_VF, name)] = original = getattr(_VF, name)

        def layered(input, hx, params, has_biases, num_layers, p, train, bidirectional, batch_first, *rest):
            if not (train and p > 0 and num_layers > 1) or tape.paused or rest:
                return original(input, hx, params, has_biases, num_layers, p, train, bidirectional, batch_first,
                                *rest)
            if batch_first:  # (as PyTorch's C++: the layers run on (L, N, H), where the masks are drawn)
                input = input.transpose(0, 1)
            directions = 2 if bidirectional else 1
            per_layer = len(params) // num_layers
            states = list(hx) if isinstance(hx, (tuple, list)) else [hx]  # LSTM: (h, c); GRU, RNN: h
            finals = [[] for _ in states]
            for layer in range(num_layers):
                part = [s[layer * directions:(layer + 1) * directions] for s in states]
                out = original(input, tuple(part) if len(part) > 1 else part[0],
                               params[layer * per_layer:(layer + 1) * per_layer], has_biases, 1, 0.0, train,
                               bidirectional, False)
                input = out[0]
                for kept, state in zip(finals, out[1:]):
                    kept.append(state)
                if layer < num_layers - 1:
                    input = dropout(input, p, True)
            return (input.transpose(0, 1) if batch_first else input,) + tuple(torch.cat(kept, 0) for kept in finals)

        setattr(_VF, name, layered)

    for name in ("lstm", "gru", "rnn_tanh", "rnn_relu"):
        replace(name)


def _record_distribution_draws(torch, tape, originals):
    """Record torch.normal, torch.bernoulli, torch.multinomial and Tensor.exponential_ (the draws
    behind torch.distributions' sample) as the numbers ag.distributions draws in their place."""

    def replace(owner, name, make):
        originals[(owner, name)] = original = getattr(owner, name)
        setattr(owner, name, make(original))

    def normal(original):
        def recorded(*args, **kwargs):
            out = original(*args, **kwargs)
            mean = kwargs.get("mean", args[0] if args else 0.0)
            std = kwargs.get("std", args[1] if len(args) > 1 else 1.0)
            plain = [np.asarray(v.detach().cpu().double().numpy() if hasattr(v, "detach") else v) for v in (mean, std)]
            if not tape.paused:
                tape.draws.append(("normal", tuple(out.shape), (out.detach().double().numpy() - plain[0]) / plain[1]))
            return out
        return recorded

    def bernoulli(original):
        def recorded(*args, **kwargs):
            out = original(*args, **kwargs)
            if not tape.paused:  # ours: 1 where u < p; u = 0 gives a 1 (p > 0), u just below 1 a 0
                u = np.where(out.detach().numpy() == 1, 0.0, np.nextafter(1.0, 0.0))
                tape.draws.append(("uniform", tuple(out.shape), u))
            return out
        return recorded

    def multinomial(original):
        def recorded(input, num_samples, replacement=False, **kwargs):
            out = original(input, num_samples, replacement, **kwargs)
            if tape.paused:
                return out
            if not replacement and num_samples > 1:
                tape.draws.append(("multinomial without replacement", tuple(out.shape), out.numpy()))
                return out
            probs = input.detach().double().numpy().reshape(-1, input.shape[-1])
            cdf = np.cumsum(probs, -1) / probs.sum(-1, keepdims=True)
            lower = np.concatenate([np.zeros((len(cdf), 1)), cdf[:, :-1]], -1)
            chosen = out.numpy().reshape(len(cdf), -1)  # (rows, draws)
            rows = np.arange(len(cdf))[:, None]
            u = (lower[rows, chosen] + cdf[rows, chosen]) / 2  # the middle of the chosen slice
            tape.draws.append(("uniform", (u.size,), u.T.copy()))  # draw by draw, as Categorical.sample
            return out
        return recorded

    def exponential_(original):
        def recorded(self, *args, **kwargs):
            out = original(self, *args, **kwargs)
            if not tape.paused:  # ours: e = -log(1 - u), an Exp(1) draw (exponential_(lambd) draws e / lambd)
                lambd = kwargs.get("lambd", args[0] if args else 1.0)
                tape.draws.append(("uniform", tuple(out.shape), -np.expm1(-out.detach().double().numpy() * lambd)))
            return out
        return recorded

    replace(torch, "normal", normal)
    replace(torch, "bernoulli", bernoulli)
    replace(torch, "multinomial", multinomial)
    replace(torch.Tensor, "exponential_", exponential_)


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


@contextlib.contextmanager
def _replaying(replay):
    """Every draw of our run comes from ``replay``: the global generator's, an ``ag.Generator``'s
    (``torch.Generator()`` makes one that draws from the replay), and ``torch.manual_seed`` (or
    ``torch.random.manual_seed``) in the program leaves the replay in place (the PyTorch run's draws after
    it are on the record)."""
    import autograd

    class ReplayGenerator(autograd.Generator):
        def manual_seed(self, seed):
            self._seed, self._numpy = int(seed), replay
            return self

    state = autograd.get_rng_state()
    saved = (autograd.Generator, autograd.manual_seed, autograd.random.manual_seed, autograd.random.get_rng_state,
             autograd.random.set_rng_state)
    autograd.random._generator[0] = replay
    autograd.Generator = ReplayGenerator
    # (torch.random.manual_seed too; it returns the generator, as PyTorch's returns torch.default_generator)
    autograd.manual_seed = autograd.random.manual_seed = lambda seed: autograd.default_generator
    # a checkpoint saves the state and restores it to draw the same dropout masks again; PyTorch's run
    # recorded those second draws too (the same masks), so here the replay just goes on
    autograd.random.get_rng_state, autograd.random.set_rng_state = lambda: replay.used, lambda state: None
    try:
        yield
    finally:
        (autograd.Generator, autograd.manual_seed, autograd.random.manual_seed, autograd.random.get_rng_state,
         autograd.random.set_rng_state) = saved
        autograd.set_rng_state(state)


@contextlib.contextmanager
def _torch_defaults_kept(torch):
    """A program's torch.set_default_dtype / set_default_device last only while it runs (PyTorch's
    default device is a global mode that would otherwise outlive the program)."""
    dtype, context = torch.get_default_dtype(), getattr(torch._GLOBAL_DEVICE_CONTEXT, "device_context", None)
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)
        if getattr(torch._GLOBAL_DEVICE_CONTEXT, "device_context", None) is not context:
            torch.set_default_device(None if context is None else context.device)


@contextlib.contextmanager
def _print_options_kept(torch):
    """A program's torch.set_printoptions (a notebook's first cell often sets edgeitems or linewidth) lasts only
    while it runs, in both libraries: later tests print with the options they expect."""
    import autograd.printing

    theirs, ours = dict(vars(torch._tensor_str.PRINT_OPTS)), dict(autograd.printing.options)
    try:
        yield
    finally:
        vars(torch._tensor_str.PRINT_OPTS).update(theirs)
        autograd.printing.options.clear()
        autograd.printing.options.update(ours)


@contextlib.contextmanager
def _processes_report_back(take, give):
    """A program's processes (multiprocessing.Process, torch.multiprocessing's) run with fork, each joined
    before the next starts (as a test writes them, so that the numbers are deterministic), and report back
    when joined: what the child printed goes into this run's output, and ``take(mark)`` (called in the child
    once its run() ends; ``mark`` is ``take(None)`` before it started) is handed to ``give`` here. The PyTorch
    run: the random draws the child recorded; ours: how far the child went in the replayed draws. The start
    method a program sets (``mp.set_start_method(..., force=True)``) is put back afterwards. Processes started
    otherwise are left alone; a program's own can't start with spawn here (spawn imports the function to run
    by name from a module, which an exec'd source is not): such a program is run with fork (# test:)."""
    import multiprocessing
    import multiprocessing.process
    import os
    import pickle
    import tempfile

    process = multiprocessing.process.BaseProcess
    start, join = process.start, process.join
    method = multiprocessing.get_start_method(allow_none=True)
    reports = []  # (the files of processes never joined, a DataLoader's workers terminated: removed at the end)
    started = []  # (one still running at the end, hung, is killed: else Python's exit would wait for it forever)

    def reporting_start(self):
        if (getattr(type(self), "_start_method", None) or multiprocessing.get_start_method()) != "fork":
            return start(self)  # (as it is: spawn can't start the program's own functions, see above)
        handle, path = tempfile.mkstemp(prefix="harness-process-", suffix=".pickle")
        os.close(handle)
        mark, printed, run = take(None), len(sys.stdout.getvalue()), self.run

        def run_and_report():  # (in the child)
            try:
                run()
            finally:
                with open(path, "wb") as f:
                    pickle.dump((take(mark), sys.stdout.getvalue()[printed:]), f)

        self.run, self._harness_report = run_and_report, path
        reports.append(path)
        started.append(self)
        start(self)

    def reporting_join(self, timeout=None):
        join(self, timeout)
        path = self.__dict__.get("_harness_report")
        if path is not None and self.exitcode is not None:
            del self._harness_report
            with open(path, "rb") as f:
                data = f.read()
            os.unlink(path)
            if data:
                report, printed = pickle.loads(data)
                give(report)
                sys.stdout.write(printed)

    process.start, process.join = reporting_start, reporting_join
    try:
        yield
    finally:
        process.start, process.join = start, join
        multiprocessing.set_start_method(method, force=True)
        for child in started:
            if child.is_alive():
                child.kill()
                join(child, 10)
        for path in reports:
            if os.path.exists(path):
                os.unlink(path)


def _execute(source, name):
    namespace = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"<{name} run>", "exec"), namespace)
    return Run(namespace, out.getvalue())


@contextlib.contextmanager
def _imported_afresh(packages):
    """The program's own ``packages`` (which ``import torch`` themselves) are imported anew in this run and
    forgotten after it, so that each run's modules see that run's torch."""
    def forget():
        for name in [name for name in sys.modules if name.split(".")[0] in packages]:
            del sys.modules[name]

    forget()
    try:
        yield
    finally:
        forget()


def run_both(source, seed=0, packages=()):
    """Run ``source`` with PyTorch, then with this project in its place; return the two Runs. ``packages``:
    the names of the program's own packages it imports (on sys.path), imported afresh in each run."""
    import torch

    import autograd

    tape = _Tape()
    torch.manual_seed(seed)
    random.seed(seed)
    drawn = _processes_report_back(lambda mark: len(tape.draws) if mark is None else tape.draws[mark:],
                                   tape.draws.extend)
    with _recording(tape), _torch_defaults_kept(torch), _print_options_kept(torch), _imported_afresh(packages), drawn:
        torch_run = _execute(source, "PyTorch")
    replay = _Replay(tape.draws)
    random.seed(seed)
    dtype = autograd.get_default_dtype()
    try:
        used = _processes_report_back(lambda mark: replay.used, lambda used: setattr(replay, "used", used))
        with _replaying(replay), _as_torch(), _print_options_kept(torch), _imported_afresh(packages), used:
            our_run = _execute(source, "seegrad")
    finally:
        autograd.set_default_dtype(dtype)
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


def assert_same(torch_run, our_run, rtol=1e-4, atol=1e-5, ignore=()):
    """Every value the two runs left agrees: the same names, and for each the same shape, dtype and
    numbers (within rtol/atol; strings, bools and lists of strings exactly); also every number the two printed."""
    names = set(torch_run.values) - set(ignore)
    missing, extra = names - set(our_run.values), set(our_run.values) - set(torch_run.values) - set(ignore)
    assert not missing and not extra, f"only PyTorch's run left {sorted(missing)}, only ours {sorted(extra)}"
    for name in sorted(names):
        want, got = torch_run[name], our_run[name]
        if isinstance(want, np.ndarray):
            assert isinstance(got, np.ndarray), f"{name}: PyTorch's is an array, ours {got!r}"
            assert got.shape == want.shape, f"{name}: shape {got.shape}, PyTorch's {want.shape}"
            assert got.dtype == want.dtype, f"{name}: dtype {got.dtype}, PyTorch's {want.dtype}"
            if want.dtype == bool or want.dtype.kind in "iu":
                np.testing.assert_array_equal(got, want, err_msg=f"{name}: ours differs from PyTorch's")
                continue
            if want.dtype.kind in "fc" and np.array_equal(got, want, equal_nan=True):  # (the same bits: one quick pass, not allclose's several)
                continue
        elif isinstance(want, (str, bool, tuple)) or isinstance(got, (str, bool, tuple)):
            assert got == want, f"{name}: {got!r}, PyTorch's {want!r}"
            continue
        else:
            assert type(got) is type(want), f"{name}: {type(got).__name__} {got!r}, PyTorch's {want!r}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"{name}: ours differs from PyTorch's")
    ours, theirs = our_run.printed_numbers(), torch_run.printed_numbers()
    assert len(ours) == len(theirs), f"printed {len(ours)} numbers, PyTorch's run {len(theirs)}:\n{our_run.stdout}"
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg="the printed numbers differ")


def key_bias_aside(torch_run, our_run):
    """For assert_same's ``ignore``: the names of the attention's in_proj_bias, whose q and v thirds are
    compared here and whose k third is left out: adding a constant to every key's score leaves the softmax unchanged, so
    the k bias's true gradient is zero; each library's is rounding noise (~1e-9), which Adam's step
    (lr * m / sqrt(v)) turns into moves of about lr, different in each run. Nothing else depends on it."""
    names = [name for name in torch_run.values if name.endswith("in_proj_bias")]
    for name in names:
        want, got = torch_run[name], our_run[name]
        e = len(want) // 3
        for part in (slice(0, e), slice(2 * e, 3 * e)):
            np.testing.assert_allclose(got[part], want[part], rtol=2e-4, atol=2e-5, err_msg=name)
    return names


def assert_same_in_float64(source):
    """Run ``source`` with float64 as both libraries' default dtype (torch.set_default_dtype) and compare to
    float64's precision: a program written in float32 checked beyond float32's rounding."""
    torch_run, our_run = run_both("import torch\ntorch.set_default_dtype(torch.float64)\n" + source)
    assert_same(torch_run, our_run, rtol=1e-10, atol=1e-12)


def shown_expression(cell):
    """The expression statement a Jupyter cell ends with, whose value Jupyter shows, or None (no such
    statement, or a trailing ``;``, which hides it, as in Jupyter)."""
    import ast

    body = ast.parse(cell).body
    last = body[-1] if body else None
    if not isinstance(last, ast.Expr):
        return None
    after = cell.split("\n")[last.end_lineno - 1][last.end_col_offset:]
    return None if after.lstrip().startswith(";") else last


def notebook(source):
    """A Jupyter notebook's code cells as one program, as `jupyter nbconvert --to script` writes them (each
    cell under a ``# In[n]:`` line), run as Jupyter runs them: a cell that ends in an expression shows its
    value, which IPython keeps as ``_n``; here it is assigned to ``_n`` too, so the two runs' shown values are
    compared with the rest (a trailing ``;`` hides the value, as in Jupyter). Only that name is added."""
    import re

    parts = re.split(r"^# In\[(\d+)\]:\n", source, flags=re.M)
    program = [parts[0]]
    for number, cell in zip(parts[1::2], parts[2::2]):
        lines, last = cell.split("\n"), shown_expression(cell)
        if last is not None:
            line = lines[last.lineno - 1]
            lines[last.lineno - 1] = f"{line[:last.col_offset]}_{number} = {line[last.col_offset:]}"
        program.append(f"# In[{number}]:\n" + "\n".join(lines))
    return "".join(program)
