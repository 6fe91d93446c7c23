"""The losses' arguments as PyTorch's, checked against PyTorch: the deprecated ``size_average`` and
``reduce`` flags (old tutorials write ``F.binary_cross_entropy(x, y, size_average=False)`` and
``nn.MSELoss(size_average=False)``), in PyTorch's positions, with its warning; ``weight=`` on mse, l1 and
huber; and F.multilabel_margin_loss / nn.MultiLabelMarginLoss."""
import inspect
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")  # the oracle (CI installs it)
TF = torch.nn.functional

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3)).astype(np.float32)
X2 = rng.standard_normal((4, 3)).astype(np.float32)
P = 1 / (1 + np.exp(-X2))  # probabilities
SIGNS = np.where(rng.standard_normal(4) > 0, 1.0, -1.0).astype(np.float32)
CLASSES = np.array([0, 2, 1, 2])
LABELS = np.array([[2, 0, -1], [1, -1, 0], [0, 1, 2], [1, 1, -1]])
LOG_P = X - np.log(np.exp(X).sum(1, keepdims=True))

# the inputs of each loss (numpy; an int array becomes an int64 tensor), the first one differentiated
INPUTS = {
    "binary_cross_entropy": lambda: (P, (X > 0).astype(np.float32)),
    "binary_cross_entropy_with_logits": lambda: (X, P),
    "cross_entropy": lambda: (X, CLASSES),
    "nll_loss": lambda: (LOG_P, CLASSES),
    "kl_div": lambda: (LOG_P, P / P.sum(1, keepdims=True)),
    "l1_loss": lambda: (X, X2),
    "mse_loss": lambda: (X, X2),
    "smooth_l1_loss": lambda: (X, X2),
    "margin_ranking_loss": lambda: (X[:, 0], X2[:, 0], SIGNS),
    "hinge_embedding_loss": lambda: (X, np.broadcast_to(SIGNS[:, None], X.shape).copy()),
    "soft_margin_loss": lambda: (X, np.broadcast_to(SIGNS[:, None], X.shape).copy()),
    "multilabel_soft_margin_loss": lambda: (X, (X2 > 0).astype(np.float32)),
    "multi_margin_loss": lambda: (X, CLASSES),
    "multilabel_margin_loss": lambda: (X, LABELS),
    "cosine_embedding_loss": lambda: (X, X2, SIGNS),
    "triplet_margin_loss": lambda: (X, X2, X[::-1].copy()),
    "poisson_nll_loss": lambda: (X, np.abs(X2)),
}
LEGACY = [name for name in INPUTS if "size_average" in inspect.signature(getattr(TF, name)).parameters]
FLAGS = [(None, None), (False, None), (True, None), (None, False), (False, False), (True, True), (None, True)]


def _tensors(lib, arrays):
    make = torch.tensor if lib is torch else ag.tensor
    out = [make(a) for a in arrays]
    out[0].requires_grad_(True)
    return out


def _call(lib_fn, tensors, args, kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = lib_fn(*tensors, *args, **kwargs)
    loss.sum().backward()
    said = sorted({str(w.message) for w in caught if "size_average" in str(w.message)})
    return loss.detach().numpy(), tensors[0].grad.numpy(), said


def _same(name, theirs, ours):
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6, err_msg=f"{name}: the loss")
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6, err_msg=f"{name}: the gradient")
    assert ours[2] == theirs[2], f"{name}: warned {ours[2]}, PyTorch {theirs[2]}"


def test_every_loss_that_pytorch_gives_the_flags_takes_them():
    """The list is PyTorch's own: each of its losses with size_average is in INPUTS, so one added to
    torch later is not silently left out here."""
    theirs = {n for n in dir(TF) if not n.startswith("_") and callable(getattr(TF, n)) and n.endswith("_loss")
              or n in ("binary_cross_entropy", "cross_entropy", "kl_div")}
    theirs = {n for n in theirs if "size_average" in inspect.signature(getattr(TF, n)).parameters}
    assert theirs <= set(LEGACY), f"not tested here: {sorted(theirs - set(LEGACY))}"


@pytest.mark.parametrize("size_average, reduce", FLAGS)
@pytest.mark.parametrize("name", LEGACY)
def test_legacy_flags_as_keywords(name, size_average, reduce):
    """``size_average``/``reduce`` choose the reduction as PyTorch's legacy rule does (reduce=False: every
    element; else size_average=False: the sum; else the mean), whatever ``reduction`` says, with its warning."""
    arrays = INPUTS[name]()
    kwargs = {"size_average": size_average, "reduce": reduce, "reduction": "sum"}
    theirs = _call(getattr(TF, name), _tensors(torch, arrays), (), kwargs)
    ours = _call(getattr(F, name), _tensors(ag, arrays), (), kwargs)
    _same(name, theirs, ours)


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_flags_in_pytorchs_positions(name):
    """Every argument up to ``reduction`` passed positionally, in PyTorch's order (the defaults between,
    e.g. nll_loss's weight and ignore_index, taken from PyTorch's signature)."""
    arrays = INPUTS[name]()
    params = list(inspect.signature(getattr(TF, name)).parameters.values())[len(arrays):]
    for size_average, reduce, reduction in [(False, None, "mean"), (None, False, "mean"), (None, None, "sum")]:
        given = {"size_average": size_average, "reduce": reduce, "reduction": reduction}
        args = []
        for p in params:
            args.append(given.get(p.name, p.default))
            if p.name == "reduction":
                break
        theirs = _call(getattr(TF, name), _tensors(torch, arrays), args, {})
        ours = _call(getattr(F, name), _tensors(ag, arrays), args, {})
        _same(f"{name}{tuple(args)}", theirs, ours)


MODULES = sorted(n for n in dir(torch.nn) if n.endswith("Loss") and isinstance(getattr(torch.nn, n), type)
                 and "size_average" in inspect.signature(getattr(torch.nn, n).__init__).parameters)
MODULE_LOSS = {  # module -> the functional loss whose inputs it takes
    "BCELoss": "binary_cross_entropy", "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss", "KLDivLoss": "kl_div", "L1Loss": "l1_loss",
    "MSELoss": "mse_loss", "SmoothL1Loss": "smooth_l1_loss", "MarginRankingLoss": "margin_ranking_loss",
    "HingeEmbeddingLoss": "hinge_embedding_loss", "SoftMarginLoss": "soft_margin_loss",
    "MultiLabelSoftMarginLoss": "multilabel_soft_margin_loss", "MultiMarginLoss": "multi_margin_loss",
    "MultiLabelMarginLoss": "multilabel_margin_loss", "CosineEmbeddingLoss": "cosine_embedding_loss",
    "TripletMarginLoss": "triplet_margin_loss", "PoissonNLLLoss": "poisson_nll_loss",
}


def test_every_module_with_the_flags_is_tested():
    assert set(MODULES) <= set(MODULE_LOSS), f"not tested here: {sorted(set(MODULES) - set(MODULE_LOSS))}"


@pytest.mark.parametrize("name", MODULES)
def test_loss_modules_take_the_flags_in_pytorchs_positions(name):
    """``nn.MSELoss(size_average=False)``, ``nn.CrossEntropyLoss(None, True, -100, None, 'sum')``...: the same
    reduction, warning, loss and gradient as PyTorch's module."""
    arrays = INPUTS[MODULE_LOSS[name]]()
    params = [p for p in inspect.signature(getattr(torch.nn, name).__init__).parameters.values() if p.name != "self"]
    for given in [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}, {}]:
        args = []
        for p in params:
            args.append(given.get(p.name, p.default))
            if p.name == "reduction":
                break
        for make in (lambda lib: lib(*args), lambda lib: lib(**given)):  # positional, then keywords
            made = {}
            for lib_name, lib in (("torch", getattr(torch.nn, name)), ("ours", getattr(nn, name))):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    module = make(lib)
                made[lib_name] = module, sorted({str(w.message) for w in caught if "size_average" in str(w.message)})
            (theirs, warned_theirs), (ours, warned_ours) = made["torch"], made["ours"]
            assert ours.reduction == theirs.reduction, f"{name}({given}): {ours.reduction}, PyTorch {theirs.reduction}"
            assert warned_ours == warned_theirs, f"{name}({given}): warned {warned_ours}, PyTorch {warned_theirs}"
            _same(f"{name}({given})", _call(theirs, _tensors(torch, arrays), (), {}),
                  _call(ours, _tensors(ag, arrays), (), {}))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_elementwise_weight(name, reduction):
    """``weight=`` (PyTorch 2.x): one weight per element; 'mean' divides by the weights' sum for mse and l1
    and by the count for huber, as PyTorch does."""
    w = rng.random(X.shape).astype(np.float32)
    theirs = _call(getattr(TF, name), _tensors(torch, (X, X2)), (), {"weight": torch.tensor(w), "reduction": reduction})
    ours = _call(getattr(F, name), _tensors(ag, (X, X2)), (), {"weight": ag.tensor(w), "reduction": reduction})
    _same(name, theirs, ours)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, name)(ag.tensor(X), ag.tensor(X2), weight=ag.tensor(w[0]))


@pytest.mark.parametrize("targets", [
    [[2, 0, -1], [1, -1, 0], [0, 1, 2], [1, 1, -1]],  # ended by -1, a repeated class, every class, after -1
    [[-1, 2, 2], [0, 0, 0], [2, -1, -1], [1, 0, -1]],  # no target at all, one class named three times
])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss(targets, reduction):
    theirs = _call(TF.multilabel_margin_loss, _tensors(torch, (X, np.array(targets))), (), {"reduction": reduction})
    ours = _call(F.multilabel_margin_loss, _tensors(ag, (X, np.array(targets))), (), {"reduction": reduction})
    _same("multilabel_margin_loss", theirs, ours)
    one = [_call(lib.multilabel_margin_loss, _tensors(m, (X[1], np.array(targets[1]))), (), {"reduction": reduction})
           for lib, m in ((TF, torch), (F, ag))]  # one sample: (C,)
    _same("multilabel_margin_loss on (C,)", *one)
    module = nn.MultiLabelMarginLoss(reduction=reduction)
    _same("nn.MultiLabelMarginLoss", theirs, _call(module, _tensors(ag, (X, np.array(targets))), (), {}))


def test_multilabel_margin_loss_refuses_what_pytorch_refuses():
    x = ag.tensor(X)
    with pytest.raises(RuntimeError, match="out of range"):
        F.multilabel_margin_loss(x, ag.tensor([[3, 0, -1]] * 4))
    with pytest.raises(RuntimeError, match="out of range"):
        F.multilabel_margin_loss(x, ag.tensor([[-2, 0, -1]] * 4))
    with pytest.raises(RuntimeError, match="expected scalar type Long"):
        F.multilabel_margin_loss(x, ag.tensor(LABELS).float())
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(x, ag.tensor(LABELS[:, :2]))
    with pytest.raises(RuntimeError, match="non-empty vector or matrix"):
        F.multilabel_margin_loss(ag.zeros(2, 3, 4), ag.zeros(2, 3, 4, dtype=ag.int64))
    for bad in ([[3, 0, -1]] * 4, [[-2, 0, -1]] * 4):  # (PyTorch refuses the same targets)
        with pytest.raises(RuntimeError, match="out of range"):
            TF.multilabel_margin_loss(torch.tensor(X), torch.tensor(bad))
