"""Random tensor PROGRAMS, run with PyTorch and with this project, step by step.

The per-op tests (tests/test_bad_inputs.py, test_expressions.py) try one op at a time; the bugs they
miss live in the interactions: a view of a view written in place and then read through its base, a
promotion chain from bool through int to float, a hook on a tensor whose gradient a second backward
accumulates. Hypothesis draws a program of 3-12 steps as data (``Step``: one line of PyTorch, or a
``with torch.no_grad():`` block); each step is drawn knowing what the earlier steps made (their shapes
and dtypes, as PyTorch made them), then run by ``Runner`` twice: with ``torch`` bound to PyTorch and to
``autograd``. After every step, both runs must agree on:

- the outcome: if PyTorch raises, we raise (an exception of a compatible class; for the version
  counter's refusal, the words "modified by an inplace operation"); if PyTorch succeeds, we succeed;
- every tensor bound so far (not only the new one: an in-place write through a view must show in its
  base and in the base's other views): shape, dtype, values, requires_grad, is_leaf, and .grad.

After a backward both refuse, .grad is no longer compared (which leaves it reached before the refusal is
unspecified). Programs end with a weighted sum of every floating tensor that requires grad, and ``backward()``; the
gradients of every leaf (and of every tensor that asked for ``retain_grad()``) are compared. Floats are
compared with tolerances from their dtype, integers and bools exactly.

FUZZ_PROGRAM_EXAMPLES sets the number of programs (default sized for ~30 s); FUZZ_PROGRAM_SEED
(a number) draws other programs than the fixed derandomized ones, to hunt:

    FUZZ_PROGRAM_EXAMPLES=5000 FUZZ_PROGRAM_SEED=7 pytest tests/porting/test_fuzz_programs.py -k fuzz

A failure prints the program as Python. Each bug the fuzzer found is kept below as a named program.
(Skipped where torch is not installed; CI installs it.)"""
import os
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, reject, seed, settings
from hypothesis import strategies as st

import autograd as ag

torch = pytest.importorskip("torch")  # the oracle: every program also runs with PyTorch (CI installs it)

_SEED = os.environ.get("FUZZ_PROGRAM_SEED") or None
SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_PROGRAM_EXAMPLES", 150)), deadline=None,
                    suppress_health_check=list(HealthCheck), derandomize=_SEED is None, database=None,
                    phases=list(Phase) if _SEED else [Phase.explicit, Phase.generate])  # (shrinking when hunting)

DTYPES = ["float32", "float64", "int64", "int32", "bool", "uint8"]
FLOATS = ("float32", "float64")
SHAPES = [(), (1,), (3,), (2, 3), (3, 1), (1, 3), (3, 3), (2, 1, 3), (0, 3), (2, 0)]
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


# -- the program: a list of steps, each a piece of PyTorch source ------------------------------------------

class Step:
    """One step of a program: ``code`` (PyTorch source, run as it reads) and ``binds`` (the name it
    assigns, or None for a statement run for its effect)."""

    def __init__(self, code, binds=None):
        self.code, self.binds = code, binds

    def __repr__(self):
        return self.code


def source(steps):
    """The program as Python, to read in a failure."""
    return "\n".join(["import torch"] + [s.code for s in steps])


class Meta:
    """What PyTorch's run says a name holds: its shape, dtype, requires_grad and is_leaf."""

    def __init__(self, t):
        self.shape, self.dtype = tuple(t.shape), _dtype_name(t.dtype)
        try:
            self.requires_grad, self.is_leaf = t.requires_grad, t.is_leaf
        except RuntimeError:  # (a multi-output view changed in place: PyTorch refuses to say)
            self.requires_grad, self.is_leaf = False, False
        self.ndim = len(self.shape)

    @property
    def floating(self):
        return self.dtype in FLOATS


# -- running a program in both libraries and comparing after each step ----------------------------------------

class Mismatch(AssertionError):
    pass


def _compatible(theirs, ours):
    for cls in (IndexError, TypeError, ValueError, RuntimeError):
        if isinstance(theirs, cls):
            # torch raises RuntimeError for what is often a ValueError or TypeError in Python's terms
            return isinstance(ours, cls) or (cls is RuntimeError and isinstance(ours, (ValueError, TypeError, IndexError)))
    return True


def _close(name, what, ref, got, dtype):
    ref, got = np.asarray(ref), np.asarray(got)
    if ref.shape != got.shape:
        raise Mismatch(f"{name}{what}: shape {got.shape}, torch {ref.shape}")
    if dtype in TOLERANCE:
        rtol = TOLERANCE[dtype]
        finite = np.isfinite(ref)
        scale = max(1.0, float(np.abs(ref[finite]).max())) if finite.any() else 1.0
        same = np.isclose(got, ref, rtol=rtol, atol=rtol * scale, equal_nan=True)
        same &= (np.isnan(ref) == np.isnan(got)) & (np.isinf(ref) == np.isinf(got))
    else:
        same = got == ref
    if not np.all(same):
        raise Mismatch(f"{name}{what}: {got.tolist()}, torch {ref.tolist()}")


class Runner:
    """Runs steps in two namespaces (``torch`` bound to PyTorch, then to autograd) and compares."""

    def __init__(self):
        self.theirs, self.ours = {"torch": torch}, {"torch": ag}
        self.steps = []
        self.grads_known = True  # False after a backward both refused: which .grad it reached first is unspecified
        self.from_float32 = set()  # names computed from a float32 tensor: as exact as float32, whatever their dtype

    def run(self, step):
        self.steps.append(step)
        if step.binds and any(name in self.from_float32 or isinstance(t, torch.Tensor) and t.dtype == torch.float32
                              for name, t in self.theirs.items() if re.search(rf"\b{name}\b", step.code)):
            self.from_float32.add(step.binds)  # (x.sum(dtype=torch.float64) of PyTorch's float32 sigmoid: 2 ulps)
        their_error = _exec(step.code, self.theirs)
        if their_error is not None and "refer to a single memory location" in str(their_error):
            reject()  # PyTorch's guard against a source overlapping its destination: no semantics to compare
        our_error = _exec(step.code, self.ours)
        try:
            if their_error is not None and our_error is None:
                raise Mismatch(f"torch raises {their_error!r}; we do not")
            if their_error is None and our_error is not None:
                raise Mismatch(f"torch succeeds; we raise {our_error!r}")
            if their_error is not None:
                if "backward" in step.code or "autograd.grad" in step.code:
                    self.grads_known = False
                if not _compatible(their_error, our_error):
                    raise Mismatch(f"torch raises {their_error!r}; we raise {our_error!r}")
                if "modified by an inplace operation" in str(their_error) \
                        and not re.search("modified by an in-?place operation", str(our_error)):
                    raise Mismatch(f"torch raises {their_error!r}; we raise {our_error!r}")
            self.compare()
        except Mismatch as err:
            raise Mismatch(f"{err}\n--- after the last step of this program:\n{source(self.steps)}") from None
        return their_error is None

    def compare(self):
        for name, t in self.theirs.items():
            if not isinstance(t, torch.Tensor):
                continue
            o = self.ours.get(name)
            if not isinstance(o, ag.Tensor):
                raise Mismatch(f"{name}: torch has a tensor, we have {o!r}")
            dtype = _dtype_name(t.dtype)
            if _dtype_name(o.dtype) != dtype:
                raise Mismatch(f"{name}: dtype {_dtype_name(o.dtype)}, torch {dtype}")
            _close(name, "", t.detach().numpy(), o.detach().numpy(),
                   "float32" if dtype == "float64" and name in self.from_float32 else dtype)
            try:
                theirs = (t.requires_grad, t.is_leaf)
            except RuntimeError:  # (a multi-output view changed in place: PyTorch refuses to say)
                continue
            if (o.requires_grad, o.is_leaf) != theirs:
                raise Mismatch(f"{name}: requires_grad, is_leaf = {o.requires_grad}, {o.is_leaf}; "
                               f"torch {t.requires_grad}, {t.is_leaf}")
            if not self.grads_known:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tg, og = t.grad, o.grad
            if (tg is None) != (og is None):
                raise Mismatch(f"{name}.grad: {og!r}, torch {tg!r}")
            if tg is not None:
                _close(name, ".grad", tg.detach().numpy(), og.detach().numpy(), dtype)

    def meta(self):
        return {n: Meta(t) for n, t in self.theirs.items() if isinstance(t, torch.Tensor)}


def _exec(code, namespace):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                exec(code, namespace)  # noqa: S102 (the program under test)
            except Exception as err:  # noqa: BLE001 (torch's exception is the reference)
                return err
    return None


def run_program(code):
    """Run a written program (a regression) step by step: each top-level statement is a step."""
    runner = Runner()
    block = []
    for line in code.strip().splitlines():
        if block and not line.startswith(" "):
            runner.run(Step("\n".join(block)))
            block = []
        block.append(line)
    if block:
        runner.run(Step("\n".join(block)))
    return runner


# -- drawing a program ----------------------------------------------------------------------------------------

def _literal(draw, shape, dtype):
    n = int(np.prod(shape))
    if dtype == "bool":
        values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    elif dtype == "uint8":
        values = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    elif dtype in FLOATS:  # quarters: exact in binary, so both libraries start from the same numbers
        values = [q / 4 for q in draw(st.lists(st.integers(-12, 12), min_size=n, max_size=n))]
    else:
        values = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    return np.array(values, dtype=object).reshape(shape).tolist()


def _scalar(draw):
    return draw(st.sampled_from(["2", "-1", "0.5", "1.5", "-2.25", "True", "0"]))


def draw_leaf(draw, name):
    shape = draw(st.sampled_from(SHAPES))
    dtype = draw(st.sampled_from(DTYPES))
    grad = dtype in FLOATS and draw(st.booleans())
    tail = f", dtype=torch.{dtype}" + (", requires_grad=True" if grad else "")
    if 0 in shape:
        return Step(f"{name} = torch.zeros({', '.join(map(str, shape))}{tail})", name)
    return Step(f"{name} = torch.tensor({_literal(draw, shape, dtype)}{tail})", name)


def _dim(draw, m, extra=0):
    """A dim of ``m`` (now and then one out of range, to compare refusals)."""
    if m.ndim == 0 or draw(st.integers(0, 19)) == 0:
        return draw(st.integers(-m.ndim - 1 - extra, m.ndim + extra))
    return draw(st.integers(-m.ndim - extra, m.ndim - 1 + extra))


UNARY = ["-{x}", "{x}.abs()", "{x}.exp()", "{x}.log()", "{x}.sqrt()", "{x}.sin()", "{x}.tanh()", "{x}.sigmoid()",
         "{x}.relu()", "{x}.square()", "{x}.reciprocal()", "{x}.sign()", "{x}.floor()", "{x} ** 2", "{x} ** 0.5",
         "{x} * {s}", "{s} - {x}", "{x} / {s}", "{x} + {s}", "~{x}", "{x}.clamp(min={s})", "{x}.clamp(-1, 1)",
         "{x}.float()", "{x}.double()", "{x}.long()", "{x}.int()", "{x}.bool()", "{x}.to(torch.uint8)",
         "{x}.clone()", "{x}.detach()", "{x}.data", "{x}.contiguous()", "{x} > {s}", "{x}.log_softmax(-1)",
         "torch.where({x} > 0, {x}, {s})", "{x}.flip(0)", "{x}.cumsum(0)"]
BINARY = ["{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / {y}", "torch.maximum({x}, {y})", "torch.minimum({x}, {y})",
          "torch.where({x} > 0, {x}, {y})", "{x} @ {y}", "{x} == {y}", "{x} < {y}", "{x} & {y}", "{x} ** {y}",
          "torch.add({x}, {y}, alpha=2)", "{x}.mul({y})", "torch.cat([{x}, {y}])", "torch.stack([{x}, {y}])",
          "{x}.expand_as({y})", "{x}.view_as({y})", "{x}.reshape_as({y})", "{x}.type_as({y})",
          "{x} * {y}.sum()", "torch.where({y}.bool(), {x}, 0.0)"]
REDUCE = ["{x}.sum()", "{x}.sum(dim={d}, keepdim={k})", "{x}.mean()", "{x}.mean({d}, keepdim={k})", "{x}.prod({d})",
          "{x}.amax({d}, keepdim={k})", "{x}.max()", "{x}.max(dim={d})[0]", "{x}.min({d}, keepdim={k}).values",
          "{x}.argmax({d})", "{x}.std({d})", "{x}.var()", "{x}.logsumexp({d})", "{x}.norm()",
          "{x}.softmax({d})", "{x}.all()", "{x}.any({d})", "{x}.sum(({d},), keepdim={k})", "{x}.amin({d})",
          "{x}.cumsum({d})", "{x}.prod()", "{x}.sum(dtype=torch.float64)"]
VIEW = ["{x}[1:]", "{x}[..., ::2]", "{x}[:, 1]", "{x}[0]", "{x}[-1:]", "{x}[None]", "{x}.t()", "{x}.T",
        "{x}.view(-1)", "{x}.reshape(-1)", "{x}.view({shape})", "{x}.transpose(0, -1)", "{x}.unsqueeze({d1})",
        "{x}.squeeze()", "{x}.squeeze({d})", "{x}.expand(2, {shape})", "{x}.diagonal()", "{x}.narrow({d}, {i}, 1)",
        "{x}.select({d}, {i})", "{x}.unfold({d}, 2, 1)", "{x}.permute({rev})", "{x}.flatten()",
        "{x}.movedim(0, -1)", "{x}.split(1, {d})[0]", "{x}.chunk(2)[-1]", "{x}.unbind(0)[0]", "{x}.mT",
        "{x}.diagonal(0, -2, -1)", "{x}.flatten()[1:]", "{x}.detach()"]
INPLACE = ["{x}.add_({y})", "{x}.mul_({y})", "{x}.sub_({s})", "{x}.div_({y})", "{x}.clamp_(min={s})", "{x}.relu_()",
           "{x}.copy_({y})", "{x}.masked_fill_({x} > 0, {s})", "{x}.zero_()", "{x}.fill_({s})", "{x}.exp_()",
           "{x}.sigmoid_()", "{x}.neg_()", "{x}.abs_()", "{x} += {y}", "{x} *= {s}", "{x}[0] = {s}",
           "{x}[1:] = {y}", "{x}[{x} > 0] = {s}", "{x}[torch.tensor([0, -1])] = {s}", "{x}[..., 0] = {y}",
           "{x}.index_add_({d}, torch.tensor([0, 0]), {x}.narrow({d}, 0, 1).expand_as({x}.narrow({d}, 0, 2)) * 2)",
           "{x}.scatter_({d}, torch.zeros_like({x}, dtype=torch.int64), {s})",
           "{x}.scatter_({d}, torch.zeros_like({x}, dtype=torch.int64)[:1], {y})",
           "{x}.masked_fill_({y}, {s})", "{x}.clamp_(-1, 1)", "{x}.t_()", "{x}.unsqueeze_(0)", "{x}.squeeze_()",
           "{x}.detach_()", "{x}.data.mul_({s})", "{x}.data = {y}", "{x}.pow_(2)", "{x}.sqrt_()"]
AUTOGRAD = ["{x}.retain_grad()", "{x}.requires_grad_()", "{x}.requires_grad_(False)",
            "{x}.register_hook(lambda g: g * 2)", "{x}.register_hook(lambda g: None)",
            "{x}.register_hook(lambda g: g + 1)"]


SHAPE_IN_PLACE = ("{x}.t_()", "{x}.unsqueeze_(0)", "{x}.squeeze_()")
TENSOR_ONLY = ("_as(", ".data =", "torch.cat", "torch.stack", "masked_fill_({y}", "copy_", "scatter_", "{y}.")


def _weighted_sum(names, meta):
    """A weighted sum of the named tensors: each weighted by numbers from linspace, so that every
    element's gradient differs."""
    return " + ".join(f"({n} * torch.linspace(-1, 2, {n}.numel(), dtype={n}.dtype).reshape({n}.shape)).sum()"
                      for n in names)


def draw_step(draw, meta, name):
    """One step, drawn from the names bound so far (``meta``: PyTorch's shapes and dtypes)."""
    names = sorted(meta)
    if not names:
        return draw_leaf(draw, name)
    kind = draw(st.sampled_from(["leaf", "unary", "binary", "reduce", "view", "view", "inplace", "inplace",
                                 "inplace", "autograd", "grad"]))
    if kind == "leaf":
        return draw_leaf(draw, name)
    x = draw(st.sampled_from(names))
    m = meta[x]

    def partner(numbers):
        fits = [n for n in names if _broadcasts(meta[n].shape, m.shape)]
        if fits and draw(st.integers(0, 9)) > 0:
            return draw(st.sampled_from(fits))
        return draw(st.sampled_from(names + (["2", "0.5"] if numbers else [])))

    def fill(template):
        # (a number where a tensor is expected: a refusal both make, of classes not worth comparing)
        y = partner(not any(k in template for k in TENSOR_ONLY)) if "{y}" in template else None
        d = _dim(draw, m)
        i = draw(st.integers(0, max(m.shape[d], 1) - 1)) if m.ndim and -m.ndim <= d < m.ndim else 0
        shape = ", ".join(map(str, m.shape)) if m.ndim else "()"
        rev = ", ".join(str(k) for k in reversed(range(m.ndim))) if m.ndim else "()"
        return template.format(x=x, y=y, s=_scalar(draw), d=d, d1=_dim(draw, m, extra=1), k=draw(st.booleans()),
                               i=i, shape=shape, rev=rev)

    if kind in ("unary", "binary", "reduce", "view"):
        table = {"unary": UNARY, "binary": BINARY, "reduce": REDUCE, "view": VIEW}[kind]
        return Step(f"{name} = {fill(draw(st.sampled_from(table)))}", name)
    if kind == "inplace":
        # (changing the shape in place of a tensor that requires grad is refused here on purpose: README)
        table = [t for t in INPLACE if not (m.requires_grad and t in SHAPE_IN_PLACE)]
        code = fill(draw(st.sampled_from(table)))
        if draw(st.booleans()):
            return Step(f"with torch.no_grad():\n    {code}")
        return Step(code)
    if kind == "autograd":
        return Step(fill(draw(st.sampled_from(AUTOGRAD))))
    # a gradient: backward (maybe keeping the graph, maybe twice), or autograd.grad with create_graph
    wanting = [n for n in names if meta[n].requires_grad and meta[n].floating] or names
    outs = draw(st.lists(st.sampled_from(wanting), min_size=1, max_size=3, unique=True))
    loss = _weighted_sum(outs, meta)
    if draw(st.booleans()):
        keep = draw(st.booleans())
        return Step(f"({loss}).backward(retain_graph={keep})")
    leaves = [n for n in names if meta[n].requires_grad] or names
    wrt = draw(st.sampled_from(leaves))
    return Step(f"{name} = torch.autograd.grad({loss}, [{wrt}], create_graph=True, allow_unused=True)[0]", name)


def _broadcasts(a, b):
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _fuzz(test):
    test = SETTINGS(given(st.data())(test))
    return seed(int(_SEED))(test) if _SEED is not None else test


@_fuzz
def test_fuzz_programs(data):
    runner = Runner()
    n = data.draw(st.integers(3, 12), label="steps")
    for k in range(n):
        meta = runner.meta()
        step = data.draw(_step_strategy(meta, f"x{k}"), label=f"step {k}")
        runner.run(step)
    # the end: backward of a weighted sum of every floating tensor that requires grad
    meta = runner.meta()
    outs = [n for n, m in meta.items() if m.requires_grad and m.floating and not n.startswith("_")]
    if outs:
        runner.run(Step(f"_loss = {_weighted_sum(outs, meta)}", "_loss"))
        runner.run(Step("_loss.backward()"))


def _step_strategy(meta, name):
    return st.composite(lambda draw: draw_step(draw, meta, name))()


# -- the programs the fuzzer found, kept as they failed (each step compared with PyTorch as above) --------------

def test_split_of_an_empty_dim_is_a_new_view():
    """split of a dim of size 0 handed back the input itself: t_() on the input turned the piece too."""
    run_program("""
x0 = torch.zeros(0, 3, dtype=torch.float32, requires_grad=True)
x1 = x0.split(1, 0)[0]
with torch.no_grad():
    x0.t_()
""")


def test_reshape_to_the_same_shape_is_a_new_view():
    """reshape/squeeze/expand/permute to the same shape handed back the input itself: a hook on the
    'view' doubled the leaf's whole gradient (x.grad 4 instead of PyTorch's 3) and it stayed a leaf."""
    run_program("""
x0 = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
x1 = x0.reshape(3)
x2 = x0.squeeze()
x3 = x0.expand(3)
x4 = x0.permute(0)
x1.register_hook(lambda g: g * 2)
(x0 + x1 + x2 * 3 + x3 * 4 + x4 * 5).sum().backward()
""")


def test_a_view_of_the_same_shape_is_written_through():
    """expand to the same shape was numpy's read-only broadcast: an in-place write through it was refused."""
    run_program("""
x0 = torch.tensor([1.0, 2.0, 3.0])
x1 = x0.expand(3)
x1.add_(1)
x4 = x0.expand(1, 3)
x4.mul_(2)
x5 = torch.zeros(0, 3).expand(2, 0, 3)
x5.sqrt_()
x2 = x0.unsqueeze(0).squeeze(0)
x2.t_()
x3 = x0.T
""")


def test_fill_values_that_overflow_are_refused():
    """uint8 masked_fill_(m, -2.25) stored 254 and fill_(300) stored 44; PyTorch refuses both
    ("value cannot be converted to type uint8_t without overflow"); -1 still wraps to 255."""
    run_program("""
x0 = torch.tensor([1, 2], dtype=torch.uint8)
x0.masked_fill_(x0 > 0, -2.25)
x0.fill_(300)
x0.fill_(-2.25)
x0[0] = 256
x0.fill_(-1)
x0[1] = -2
x0.scatter_(0, torch.tensor([1]), -2.25)
x0.scatter_(0, torch.tensor([1]), -3)
x1 = torch.full((2,), -256, dtype=torch.uint8)
x2 = torch.full((2,), -1, dtype=torch.uint8)
x0.add_(300)
""")


def test_sub_in_place_refuses_a_bool():
    """x.sub_(True) subtracted 1 where x - True and x.sub(True) are refused, as in PyTorch."""
    run_program("""
x0 = torch.tensor(0.0)
x0.sub_(True)
x1 = torch.tensor([True, False])
x0.sub_(x1)
x1.sub_(1)
""")


def test_matmul_refuses_bools():
    """A bool matmul computed an or of ands; PyTorch refuses it (not implemented for 'Bool')."""
    run_program("""
x0 = torch.tensor([[False, True, False]])
x1 = x0[:, 1]
x2 = x1 @ x0
x3 = x0.T @ x0
""")


def test_argmax_refuses_bools():
    """argmax of a bool tensor answered; PyTorch refuses it ("does not support bool input")."""
    run_program("""
x0 = torch.tensor([False, True])
x1 = x0.argmax(0)
x2 = x0.argmin()
""")


def test_logsumexp_of_integers_is_in_the_default_float_dtype():
    """logsumexp of a uint8 tensor was float16 and inf (a - max wrapped around in uint8: [0, 253, 254]);
    PyTorch computes integers and bools in float32: [3.1698, 1.8620]."""
    run_program("""
x0 = torch.tensor([[3, 0, 1], [0, 1, 1]], dtype=torch.uint8)
x1 = x0.logsumexp(1)
x2 = x0.to(torch.int8).logsumexp(0)
x3 = x0.bool().logsumexp(1)
x4 = x0.long().logsumexp(1, keepdim=True)
""")


def test_clamp_of_bools_by_bools_is_refused():
    """b.clamp(min=True) answered; PyTorch has no bool kernel for number bounds (a tensor bound, or an
    int one that promotes, is fine)."""
    run_program("""
x0 = torch.tensor([True, False])
x1 = x0.clamp(min=True)
x0.clamp_(True, False)
x2 = x0.clamp(0, 1)
x3 = x0.clamp(min=torch.tensor(True))
""")


def test_a_leaf_that_stopped_requiring_grad_takes_no_gradient():
    """backward added into a leaf whose requires_grad_(False) came after the graph was built (x0.grad [3, 3]);
    PyTorch's AccumulateGrad skips it (None). Fixed in graph._walk on main."""
    run_program("""
x0 = torch.tensor([1.0, 2.0], requires_grad=True)
x1 = x0 * 3
x0.requires_grad_(False)
x1.sum().backward()
""")


def test_flatten_with_nothing_to_merge_is_the_input():
    """x.flatten() of a 1-d x is x itself in PyTorch (a leaf stays a leaf); a 0-d one becomes a 1-d view."""
    run_program("""
x0 = torch.tensor([0.0, -1.0, 0.5], requires_grad=True)
x1 = x0.flatten()
x2 = torch.ones(2, 2, requires_grad=True)
x3 = x2.flatten(1, 1)
x4 = x2.flatten(0, 1)
x5 = torch.tensor(1.5, requires_grad=True).flatten()
""")


def test_an_in_place_copy_into_a_bool_tensor_keeps_no_gradient():
    """x_bool.copy_(w) with w requiring grad made the bool tensor require grad (a non-leaf);
    PyTorch's stays a leaf that does not."""
    run_program("""
x0 = torch.tensor([0.0, -1.0, 0.5], requires_grad=True)
x1 = torch.tensor([5, 5, 3], dtype=torch.uint8)
x2 = x1 < x1
x2.copy_(x0)
x1.copy_(x0)
x1[0] = x0[1]
""")


def test_add_with_alpha_keeps_the_operands_dtype():
    """torch.add(int32, bool, alpha=2) was int64 (bool * 2 first), bools with alpha gave int64 [3, 0], and a
    float alpha with integer tensors answered; PyTorch: int32, bool [True, False], and a refusal."""
    run_program("""
x0 = torch.tensor([1, 2], dtype=torch.int32)
x1 = torch.tensor([True, False])
x2 = torch.add(x0, x1, alpha=2)
x3 = torch.add(x1, x1, alpha=2)
x4 = torch.add(x0, x1, alpha=2.5)
x5 = torch.add(x0.float(), x1, alpha=2)
x0.add_(x1, alpha=3)
""")


def test_mT_of_a_scalar_and_of_a_vector():
    """x.mT of a 0-d x refused (transpose(-2, -1)); PyTorch hands back x itself, and refuses a 1-d x."""
    run_program("""
x0 = torch.tensor(2.0, requires_grad=True)
x1 = x0.mT
x2 = torch.tensor([1.0, 2.0]).mT
x3 = torch.ones(2, 3).mT
""")


def test_scatter_checks_the_dtype_of_src_for_an_empty_index():
    """scatter_ with an empty index returned early, before refusing a src of another dtype as PyTorch does."""
    run_program("""
x0 = torch.zeros(2, 0, dtype=torch.bool)
x1 = x0.sum((0,))
x0.scatter_(0, torch.zeros(1, 0, dtype=torch.int64), x1)
x2 = torch.zeros(2, 3)
x2.scatter_(0, torch.zeros(1, 0, dtype=torch.int64), torch.ones(1, 3, dtype=torch.float64))
""")


def test_copy_into_a_smaller_shape_is_refused():
    """x.copy_(y) of a (1,) y into a 0-d x went through (numpy assigns it); PyTorch refuses: src must broadcast
    to x's shape."""
    run_program("""
x0 = torch.tensor(-1, dtype=torch.int64)
x1 = x0.mT
x1.copy_(torch.tensor([0]))
x2 = torch.zeros(2, 3)
x2.copy_(torch.ones(3))
x2.copy_(torch.ones(1, 2, 3))
x2.copy_(torch.ones(3, 1))
""")


def test_detach_in_place_of_a_view_is_refused():
    """detach_() of a view went through; PyTorch refuses ("Can't detach views in-place"), a detach()ed tensor is fine."""
    run_program("""
x0 = torch.tensor([[-2.0, -0.75, 1.75], [-0.75, 0.0, 2.25]], requires_grad=True)
x1 = x0 * 2
x2 = x1[1:]
x2.detach_()
x3 = x0.detach().expand(2, 2, 3)
x3.detach_()
x4 = x1.detach()
x4.detach_()
x1.detach_()
""")
