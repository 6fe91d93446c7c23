"""nn.utils.prune against PyTorch itself: the masks (exactly, for scores without ties), the
``<name>_orig`` parameter and ``<name>_mask`` buffer (state dict keys and values), the forward
pre-hook, the gradient reaching ``<name>_orig`` (zero where pruned), iterative pruning combining
masks, global pruning, remove and is_pruned. Each snippet runs with torch and with this project
(oracle.same). The random methods are checked with torch's own draws in
tests/porting/test_nn_utils_programs.py."""
import types

import numpy as np
import pytest

import nn as our_nn
from oracle import same

torch = pytest.importorskip("torch")  # the oracle (CI installs it)

RNG = np.random.default_rng(1)
W = RNG.standard_normal((6, 5))
B = RNG.standard_normal(6)
X = RNG.standard_normal((4, 5))
WCONV = RNG.standard_normal((4, 3, 3, 3))
XCONV = RNG.standard_normal((2, 3, 6, 6))
# (float32: a convolution's gradient sums in an order that depends on the BLAS kernel, up to 1.8e-5 relative apart
# on an AVX2-only AMD EPYC; float64 checks the arithmetic itself)
DTYPES = [("float32", 1e-4, 1e-5), ("float64", 1e-12, 1e-12)]


def lib(T):
    if T is torch:
        import torch.nn.utils.prune as prune
        return types.SimpleNamespace(nn=torch.nn, prune=prune)
    return types.SimpleNamespace(nn=our_nn, prune=our_nn.utils.prune)


def layers(T, dtype="float64"):
    """A Linear and a Conv2d with the test's weights, in ``dtype``."""
    L = lib(T)
    fc, conv = L.nn.Linear(5, 6), L.nn.Conv2d(3, 4, 3)
    fc, conv = fc.to(getattr(T, dtype)), conv.to(getattr(T, dtype))
    with T.no_grad():
        fc.weight.copy_(T.tensor(W)), fc.bias.copy_(T.tensor(B))
        conv.weight.copy_(T.tensor(WCONV)), conv.bias.zero_()
    return L, fc, conv


def everything(m):
    """What a pruned module shows: state dict keys and values, parameter and buffer names, the hooks'
    classes, the (masked) attribute."""
    sd = m.state_dict()
    return [list(sd), list(sd.values()), [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
            [type(h).__name__ for h in m._forward_pre_hooks.values()], m.weight]


@pytest.mark.parametrize("dtype,rtol,atol", DTYPES)
@pytest.mark.parametrize("amount", [0.3, 7, 0, 1.0, 0.5])
def test_l1_unstructured_masks_the_smallest_and_gradients_reach_orig(dtype, rtol, atol, amount):
    def snippet(T):
        L, fc, conv = layers(T, dtype)
        L.prune.l1_unstructured(fc, name="weight", amount=amount)
        L.prune.l1_unstructured(conv, "weight", amount=amount)
        fc(T.tensor(X).to(fc.weight.dtype)).pow(2).sum().backward()
        conv(T.tensor(XCONV).to(conv.weight.dtype)).pow(2).sum().backward()
        return everything(fc), fc.weight_orig.grad, everything(conv), conv.weight_orig.grad, L.prune.is_pruned(fc)
    same(snippet, rtol, atol)


@pytest.mark.parametrize("n", [1, 2, float("inf"), -float("inf"), "fro"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ln_structured_masks_the_weakest_channels(n, dim):
    def snippet(T):
        L, fc, conv = layers(T)
        L.prune.ln_structured(fc, "weight", amount=0.5, n=n, dim=dim)
        L.prune.ln_structured(conv, "weight", amount=2, n=n, dim=dim)
        return everything(fc), everything(conv)
    same(snippet)


def test_iterative_pruning_combines_the_masks_in_a_container():
    """l1 then ln_structured then l1 again on one tensor: each prunes among what is left (the amount
    counts the kept entries or channels), a PruningContainer holds the three."""
    def snippet(T):
        L, fc, conv = layers(T)
        L.prune.l1_unstructured(conv, "weight", amount=0.2)
        L.prune.ln_structured(conv, "weight", amount=0.5, n=2, dim=0)
        L.prune.l1_unstructured(conv, "weight", amount=10)
        L.prune.ln_structured(fc, "weight", amount=2, n=1, dim=1)
        L.prune.l1_unstructured(fc, "weight", amount=0.25)
        L.prune.l1_unstructured(fc, "bias", amount=3)
        hook = [h for h in conv._forward_pre_hooks.values()][0]
        fc(T.tensor(X)).sum().backward()
        return (everything(conv), [type(m).__name__ for m in hook], everything(fc), fc.bias, fc.weight_orig.grad,
                fc.bias_orig.grad)
    same(snippet)


def test_global_unstructured_ranks_all_tensors_together():
    def snippet(T):
        L, fc, conv = layers(T)
        L.prune.l1_unstructured(fc, "bias", amount=2)
        parameters = ((fc, "weight"), (conv, "weight"), (fc, "bias"))
        L.prune.global_unstructured(parameters, pruning_method=L.prune.L1Unstructured, amount=0.4)
        zeros = [float((m.weight == 0).sum()) for m in (fc, conv)]
        return everything(fc), everything(conv), fc.bias, zeros
    same(snippet)


def test_global_unstructured_with_importance_scores():
    def snippet(T):
        L, fc, conv = layers(T)
        scores = {(fc, "weight"): T.tensor(W[::-1].copy()).abs()}
        L.prune.global_unstructured([(fc, "weight"), (conv, "weight")], L.prune.L1Unstructured,
                                    importance_scores=scores, amount=20)
        L.prune.l1_unstructured(conv, "bias", amount=1, importance_scores=T.tensor([3.0, 1.0, 2.0, 4.0]))
        return everything(fc), everything(conv), conv.bias_mask
    same(snippet)


def test_custom_from_mask_identity_remove_and_is_pruned():
    def snippet(T):
        L, fc, conv = layers(T)
        mask = T.tensor((W > 0).astype(np.float64))
        L.prune.custom_from_mask(fc, "weight", mask=mask)
        L.prune.identity(conv, "weight")
        out = [everything(fc), everything(conv), L.prune.is_pruned(fc), L.prune.is_pruned(L.nn.Sequential(fc))]
        orig = fc.weight_orig
        L.prune.remove(fc, "weight")
        L.prune.remove(conv, "weight")
        out += [everything(fc), fc.weight is orig, type(fc.weight).__name__, everything(conv),
                L.prune.is_pruned(fc), L.prune.is_pruned(conv)]
        return out
    same(snippet)


def test_the_hook_recomputes_the_weight_before_each_forward():
    def snippet(T):
        L, fc, conv = layers(T)
        L.prune.l1_unstructured(fc, "weight", amount=0.5)
        opt = T.optim.SGD(fc.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            fc(T.tensor(X)).pow(2).sum().backward()
            opt.step()
        return everything(fc), fc.weight_orig
    same(snippet)


def test_the_pruning_methods_as_objects():
    def snippet(T):
        L = lib(T)
        t = T.tensor(W)
        method = L.prune.L1Unstructured(amount=0.5)
        pruned = method.prune(t)
        structured = L.prune.LnStructured(amount=1, n=2, dim=0).prune(t, default_mask=T.tensor((W > -1).astype(float)))
        return pruned, structured
    same(snippet)


@pytest.mark.parametrize("call", [
    lambda L, fc: L.prune.l1_unstructured(fc, "weight", amount=-1),
    lambda L, fc: L.prune.l1_unstructured(fc, "weight", amount=1.5),
    lambda L, fc: L.prune.l1_unstructured(fc, "weight", amount=31),
    lambda L, fc: L.prune.l1_unstructured(fc, "weight", amount="half"),
    lambda L, fc: L.prune.ln_structured(fc, "bias", amount=1, n=2, dim=0),
    lambda L, fc: L.prune.ln_structured(fc, "weight", amount=1, n=2, dim=2),
    lambda L, fc: L.prune.remove(fc, "weight"),
    lambda L, fc: L.prune.global_unstructured([(fc, "weight")], L.prune.LnStructured, amount=1, n=2, dim=0),
])
def test_bad_pruning_raises_as_torch_and_leaves_the_module_as_it_was(call):
    def snippet(T):
        L, fc, conv = layers(T)
        try:
            call(L, fc)
        except Exception as e:  # noqa: BLE001  (the type is compared with torch's)
            message = str(e)  # (up to where torch prints its own objects: torch.Size, its classes, the module)
            for cut in (" of module", " to PruningContainer", " Found", " for tensor of size"):
                message = message.split(cut)[0]
            return type(e).__name__, message, everything(fc)
        return "no error"
    theirs = same(snippet)
    assert theirs != "no error"
