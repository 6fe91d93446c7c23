"""Random programs against the systems whose names two parts of seegrad carry.

1. ``seegrad.export.export_onnx``: small random models (layers and functional ops from the exporter's
   tables, random shapes, strides, paddings, activations, dtypes, a dynamic batch, eval-mode BatchNorm
   and Dropout) are exported and run in onnxruntime at other batch sizes; onnxruntime must give our
   numbers. A model the exporter cannot translate must be refused at export time by an ExportError
   naming the op, never written as a graph that computes something else.
2. ``autograd.Value`` (the micrograd-style scalar) against micrograd's own ``Value``: random expression
   DAGs with shared subexpressions, reflected operators, Value mixed with int and float, relu; tanh,
   exp and ``2 ** v`` (micrograd has none of them) against PyTorch float64; backward twice and the
   zero-the-grads idiom.

Both engines compute in Python floats, so data and grads agree to the bit where the two compute the
same formulas in the same order. They do not where micrograd rewrites an op: ``a / b`` is
``a * b**-1`` there (two roundings against one), so a program with a division is compared to 1e-9;
and a node used three times or more sums its gradients in the walk's order, which is micrograd's
set order in micrograd, so its sum may differ in the last bits (also compared to 1e-9). A gradient
that is -0.0 in PyTorch is 0.0 in both (``grad += g`` starts from 0.0, and 0.0 + -0.0 is 0.0).

Examples per test: FUZZ_ONNX_EXAMPLES and FUZZ_VALUE_EXAMPLES (hunt with larger ones, and other
seeds with FUZZ_SEED, which turns derandomize off).
"""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Value

torch = pytest.importorskip("torch")  # the oracle for tanh, exp and 2 ** v, and for PyTorch's layers

_SEED = os.environ.get("FUZZ_SEED")


def _settings(env, default):
    kwargs = dict(max_examples=int(os.environ.get(env, default)), deadline=None,
                  suppress_health_check=list(HealthCheck), database=None)
    if _SEED is None:
        return settings(derandomize=True, **kwargs)
    return settings(derandomize=False, **kwargs)


def _seeded(test):
    """With FUZZ_SEED set, hypothesis draws from that seed (a hunt); otherwise derandomized."""
    if _SEED is None:
        return test
    from hypothesis import seed
    return seed(int(_SEED))(test)


# =========================================================================== 2. Value vs micrograd

micrograd_engine = pytest.importorskip("micrograd.engine")
MValue = micrograd_engine.Value

_CONSTS = [2, 3, -1, -2, 0.5, -1.5, 0.1, 1, 2.5]
_POWERS = [2, 3, -1, -2, 0, 1, 0.5, 1.5]
_BINARY = ["add", "sub", "mul", "div"]
_WITH_CONST = ["addc", "radd", "subc", "rsub", "mulc", "rmul", "divc", "rdiv"]
_UNARY = ["neg", "relu"]
_TORCH_ONLY = ["tanh", "exp", "rpow"]  # micrograd's Value has no tanh, exp or __rpow__
_DIVISIONS = {"div", "divc", "rdiv"}  # micrograd computes a * b**-1


def _apply(op, nodes):
    """One step of a program on Values of any of the three kinds (ours, micrograd's, torch's)."""
    kind, i, arg = op
    a = nodes[i]
    if kind in _BINARY:
        b = nodes[arg]
        return {"add": a + b, "sub": a - b, "mul": a * b}[kind] if kind != "div" else a / b
    if kind == "addc":
        return a + arg
    if kind == "radd":
        return arg + a
    if kind == "subc":
        return a - arg
    if kind == "rsub":
        return arg - a
    if kind == "mulc":
        return a * arg
    if kind == "rmul":
        return arg * a
    if kind == "divc":
        return a / arg
    if kind == "rdiv":
        return arg / a
    if kind == "pow":
        return a ** arg
    if kind == "neg":
        return -a
    if kind == "rpow":
        return arg ** a
    return getattr(a, kind)()  # relu, tanh, exp


@st.composite
def value_programs(draw, torch_only_ops=False):
    """(leaf values, ops): each op reads earlier nodes by index (shared subexpressions); the last
    node is the output. Every node after the leaves is used by some later op or is the output."""
    leaves = draw(st.lists(st.sampled_from([-2.0, -1.5, -0.5, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, -0.75,
                                             0.3, -2.7, 1.1]), min_size=1, max_size=4))
    kinds = _BINARY + _WITH_CONST + _UNARY + ["pow"] + (_TORCH_ONLY if torch_only_ops else [])
    ops = []
    for k in range(draw(st.integers(1, 12))):
        n = len(leaves) + k
        # lean on the newest nodes, so the output depends on most of the program
        pick = st.integers(0, n - 1) | st.integers(max(0, n - 2), n - 1)
        kind = draw(st.sampled_from(kinds))
        if kind in _BINARY:
            arg = draw(pick)
        elif kind in _WITH_CONST:
            arg = draw(st.sampled_from(_CONSTS))
        elif kind == "pow":
            arg = draw(st.sampled_from(_POWERS))
        elif kind == "rpow":
            arg = draw(st.sampled_from([2, 0.5, 3.0, 1.5]))
        else:
            arg = None
        ops.append((kind, draw(pick), arg))
    return leaves, ops


def _run(make, leaves, ops, retain=False):
    nodes = [make(x) for x in leaves]
    for op in ops:
        out = _apply(op, nodes)
        if retain:
            out.retain_grad()
        nodes.append(out)
    return nodes


def _ours(leaves, ops):
    """Our nodes after ``backward()`` of the last one, or the error it raised."""
    nodes = _run(Value, leaves, ops)
    nodes[-1].backward()
    return nodes


def _torch(leaves, ops, backward=True):
    nodes = _run(lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True), leaves, ops, retain=True)
    if backward and nodes[-1].requires_grad:
        nodes[-1].backward()
    return nodes


def _torch_number(t, grad=False):
    if grad:
        return 0.0 if t.grad is None else t.grad.item()
    return t.item()


def _exact_with_micrograd(leaves, ops):
    """Same formulas, same order: no division, no node used more than twice."""
    uses = [0] * (len(leaves) + len(ops))
    for kind, i, arg in ops:
        uses[i] += 1
        if kind in _BINARY:
            uses[arg] += 1
    return not any(kind in _DIVISIONS for kind, _, _ in ops) and max(uses) <= 2


def _same(ours, theirs, exact, what):
    if exact:
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs)), \
            f"{what}: ours {ours!r}, theirs {theirs!r} (to the bit)"
    else:
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(ours) and math.isnan(theirs)), \
            f"{what}: ours {ours!r}, theirs {theirs!r}"


def _finite_and_modest(numbers):
    return all(isinstance(x, float) and math.isfinite(x) and abs(x) < 1e8 for x in numbers)


def _check_against_oracles(leaves, ops):
    """Ours vs torch float64 (every program) and vs micrograd (programs without its missing ops)."""
    with torch.no_grad():
        pass
    try:
        t_nodes = _torch(leaves, ops)
    except RuntimeError:
        t_nodes = None
    t_data = [_torch_number(t) for t in t_nodes] if t_nodes is not None else None
    try:
        ours = _ours(leaves, ops)
    except (ZeroDivisionError, OverflowError, ValueError) as err:
        # an error only where the program really leaves the reals (x / 0, 0 ** -1, exp(1000), log 0)
        assert t_data is not None and not all(math.isfinite(x) for x in t_data), \
            f"ours raised {err!r} where PyTorch computes {t_data}"
        return None
    for k, v in enumerate(ours):
        assert type(v.data) is float, f"node {k}: data {v.data!r} is a {type(v.data).__name__}, not a float"
        assert type(v.grad) is float, f"node {k}: grad {v.grad!r} is a {type(v.grad).__name__}, not a float"
    assume(_finite_and_modest([v.data for v in ours] + [v.grad for v in ours]))
    for k, (v, t) in enumerate(zip(ours, t_nodes)):
        _same(v.data, _torch_number(t), False, f"node {k} data vs PyTorch")
        _same(v.grad, _torch_number(t, grad=True), False, f"node {k} grad vs PyTorch")
    if any(kind in _TORCH_ONLY for kind, _, _ in ops):
        return ours
    m_nodes = _run(MValue, leaves, ops)
    m_nodes[-1].backward()
    exact = _exact_with_micrograd(leaves, ops)
    for k, (v, m) in enumerate(zip(ours, m_nodes)):
        _same(v.data, m.data, exact, f"node {k} data vs micrograd")
        _same(v.grad, m.grad, exact, f"node {k} grad vs micrograd")
    return ours


@_seeded
@given(value_programs())
@_settings("FUZZ_VALUE_EXAMPLES", 300)
def test_value_programs_match_micrograd_and_pytorch(program):
    _check_against_oracles(*program)


@_seeded
@given(value_programs(torch_only_ops=True))
@_settings("FUZZ_VALUE_EXAMPLES", 300)
def test_value_programs_with_tanh_exp_and_rpow_match_pytorch(program):
    _check_against_oracles(*program)


@_seeded
@given(value_programs())
@_settings("FUZZ_VALUE_EXAMPLES", 150)
def test_backward_twice_doubles_every_grad_as_pytorch(program):
    """``retain_graph=True`` twice: each node's grad is PyTorch's after two backward passes
    (micrograd's own second backward sends the first pass's grads through again: not compared)."""
    leaves, ops = program
    try:
        ours = _run(Value, leaves, ops)
        ours[-1].backward(retain_graph=True)
        first = [v.grad for v in ours]
        ours[-1].backward(retain_graph=True)
    except (ZeroDivisionError, OverflowError, ValueError):
        return
    assume(_finite_and_modest([v.data for v in ours] + first))
    theirs = _torch(leaves, ops, backward=False)
    if theirs[-1].requires_grad:
        theirs[-1].backward(retain_graph=True)
        theirs[-1].backward(retain_graph=True)
    for k, (v, t) in enumerate(zip(ours, theirs)):
        _same(v.grad, _torch_number(t, grad=True), False, f"node {k} grad after two backward passes")
        _same(v.grad, 2 * first[k], False, f"node {k}: twice the first pass")


@_seeded
@given(value_programs(), st.sampled_from([0.01, 0.1, -0.05]))
@_settings("FUZZ_VALUE_EXAMPLES", 150)
def test_zero_grad_and_step_loop_matches_micrograd(program, lr):
    """micrograd's training loop, three steps: zero the leaves' grads (``p.grad = 0.0``), rebuild the
    graph, backward, ``p.data += -lr * p.grad``; every leaf's data and grad as micrograd's."""
    leaves, ops = program
    ours, theirs = [Value(x) for x in leaves], [MValue(x) for x in leaves]
    exact = _exact_with_micrograd(leaves, ops)
    for step in range(3):
        for params in (ours, theirs):
            for p in params:
                p.grad = 0.0
        try:
            out = _run(lambda p: p, ours, ops)[-1]
            out.backward()
        except (ZeroDivisionError, OverflowError, ValueError):
            return
        assume(_finite_and_modest([p.data for p in ours] + [p.grad for p in ours] + [out.data]))
        m_out = _run(lambda p: p, theirs, ops)[-1]
        m_out.backward()
        _same(out.data, m_out.data, exact, f"step {step}: output")
        for k, (p, m) in enumerate(zip(ours, theirs)):
            _same(p.grad, m.grad, exact, f"step {step}: leaf {k} grad")
        for params in (ours, theirs):
            for p in params:
                p.data += -lr * p.grad
        for k, (p, m) in enumerate(zip(ours, theirs)):
            _same(p.data, m.data, exact, f"step {step}: leaf {k} data after the update")


# ---------------------------------------------------------------- regressions found by the Value fuzzer

def test_value_relu_of_a_negative_is_the_float_zero():
    """Was the int 0 (Python's max(-2.0, 0)): printed as 0 where PyTorch prints 0.0."""
    v = Value(-2.0)
    out = v.relu()
    out.backward()
    assert type(out.data) is float and out.data == 0.0 and str(out.data) == str(torch.tensor(-2.0).relu().item())
    assert v.grad == 0.0
    assert math.copysign(1, Value(-0.0).relu().data) == -1  # relu(-0.0) is -0.0, as PyTorch's
    assert math.isnan(Value(math.nan).relu().data)


def test_value_negative_base_to_a_fractional_power_is_nan():
    """Was a complex number in data and grad ((-2.0) ** 0.5 in Python); PyTorch gives nan."""
    def tensor(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    cases = [(lambda v, e: v ** 0.5, -2.0, None), (lambda v, e: v ** e, -2.0, 1.5), (lambda v, e: (-8) ** v, 1 / 3, None)]
    for make, x, e in cases:
        v, ve = Value(x), (Value(e) if e is not None else None)
        out = make(v, ve)
        out.backward()
        t, te = tensor(x), (tensor(e) if e is not None else None)
        t_out = make(t, te)
        t_out.backward()
        assert type(out.data) is float and math.isnan(out.data) and math.isnan(t_out.item())
        assert type(v.grad) is float and math.isnan(v.grad) and math.isnan(t.grad.item())
    assert (Value(-2.0) ** 3).data == -8.0 and (Value(-2.0) ** 2.0).data == 4.0  # integer powers stay real
