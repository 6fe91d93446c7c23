"""nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerEncoder against PyTorch 2.13:
a torch module's state_dict loaded into ours, the same inputs, then outputs, attention weights and the
gradients of the inputs and of every parameter compared (float32 and float64)."""
import math
import zlib

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-10, atol=1e-12)}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def _port(theirs, ours):
    """theirs' state_dict into ours (keys and shapes must match exactly)."""
    state = theirs.state_dict()
    assert list(state) == list(ours.state_dict()), (list(state), list(ours.state_dict()))
    ours.load_state_dict({k: ag.tensor(v.detach().numpy().copy()) for k, v in state.items()})


def _pair(array, grad=True):
    t = torch.tensor(array, requires_grad=grad)
    return t, ag.tensor(array.copy(), requires_grad=grad)


def _close(ours, theirs, dtype, what):
    want = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    got = ours.detach().numpy() if isinstance(ours, ag.Tensor) else ours
    assert got.shape == want.shape, f"{what}: shape {got.shape}, PyTorch's {want.shape}"
    np.testing.assert_allclose(got, want, err_msg=what, equal_nan=True, **TOL[dtype])


def _backward_and_compare(outs_t, outs_o, inputs, theirs, ours, dtype, seed=0):
    """A random weighting of every output, backward, then every input's and parameter's gradient."""
    rng = np.random.default_rng(seed)
    loss_t = loss_o = 0
    for t, o in zip(outs_t, outs_o):
        if t is None:
            assert o is None
            continue
        _close(o, t, dtype, "output")
        w = rng.standard_normal(tuple(t.shape)).astype(dtype)
        loss_t = loss_t + (t * torch.tensor(w)).sum()
        loss_o = loss_o + (o * ag.tensor(w)).sum()
    loss_t.backward()
    loss_o.backward()
    for k, (t, o) in enumerate(inputs):
        if t.requires_grad:
            _close(o.grad, t.grad, dtype, f"gradient of input {k}")
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is None:
            assert ours_params[name].grad is None or not ours_params[name].grad.detach().numpy().any(), name
        else:
            _close(ours_params[name].grad, p.grad, dtype, f"gradient of {name}")


def _both(cls_t, cls_o, *args, dtype=np.float64, **kwargs):
    torch.manual_seed(0)
    theirs = cls_t(*args, **kwargs, dtype=TORCH_DTYPE[dtype])
    ours = cls_o(*args, **kwargs, dtype=dtype)
    _port(theirs, ours)
    return theirs, ours


MHA_CASES = {
    "self, defaults": dict(kw={}, self_attn=True),
    "self, batch_first": dict(kw=dict(batch_first=True), self_attn=True),
    "cross, kdim/vdim": dict(kw=dict(kdim=5, vdim=3), self_attn=False),
    "cross, key is value": dict(kw={}, self_attn="kv"),
    "bias_kv, zero_attn": dict(kw=dict(add_bias_kv=True, add_zero_attn=True), self_attn=False),
    "no bias": dict(kw=dict(bias=False), self_attn=True),
}
MASKS = ["none", "bool attn_mask", "float attn_mask", "key_padding_mask", "both", "3-d attn_mask"]


def _mha_inputs(case, rng, dtype, kw, l=4, s=5, n=3, e=8):
    kdim, vdim = kw.get("kdim", e), kw.get("vdim", e)
    q = rng.standard_normal((l, n, e)).astype(dtype)
    k = rng.standard_normal((s, n, kdim)).astype(dtype)
    v = rng.standard_normal((s, n, vdim)).astype(dtype)
    if kw.get("batch_first"):
        q, k, v = q.transpose(1, 0, 2).copy(), k.transpose(1, 0, 2).copy(), v.transpose(1, 0, 2).copy()
    return q, k, v


def _masks(which, rng, dtype, l, s, n, heads):
    attn = kpm = None
    if which in ("bool attn_mask", "both"):
        attn = rng.random((l, s)) < 0.3
        attn[:, 0] = False  # every query can attend somewhere
    if which == "float attn_mask":
        attn = rng.standard_normal((l, s)).astype(dtype)
    if which == "3-d attn_mask":
        attn = rng.standard_normal((n * heads, l, s)).astype(dtype)
    if which in ("key_padding_mask", "both"):
        kpm = np.zeros((n, s), dtype=bool)
        kpm[0, -2:] = True
        kpm[2, -1] = True
    return attn, kpm


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_same_as_pytorch(case, masks, need_weights, average, dtype):
    spec = MHA_CASES[case]
    heads = 2
    theirs, ours = _both(torch.nn.MultiheadAttention, nn.MultiheadAttention, 8, heads, dtype=dtype, **spec["kw"])
    rng = np.random.default_rng(zlib.crc32(f"{case} {masks}".encode()))
    q, k, v = _mha_inputs(case, rng, dtype, spec["kw"])
    if spec["self_attn"] is True:
        k = v = q
    elif spec["self_attn"] == "kv":
        v = k
    attn, kpm = _masks(masks, rng, dtype, 4, 4 if spec["self_attn"] is True else 5, 3, heads)
    qt, qo = _pair(q)
    kt, ko = (qt, qo) if k is q else _pair(k)
    vt, vo = (kt, ko) if v is k else _pair(v)
    extra_t = dict(attn_mask=None if attn is None else torch.tensor(attn),
                   key_padding_mask=None if kpm is None else torch.tensor(kpm))
    extra_o = dict(attn_mask=None if attn is None else ag.tensor(attn),
                   key_padding_mask=None if kpm is None else ag.tensor(kpm))
    out_t = theirs(qt, kt, vt, need_weights=need_weights, average_attn_weights=average, **extra_t)
    out_o = ours(qo, ko, vo, need_weights=need_weights, average_attn_weights=average, **extra_o)
    _backward_and_compare(out_t, out_o, [(qt, qo), (kt, ko), (vt, vo)], theirs, ours, dtype)


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_unbatched_and_causal_hint(need_weights):
    theirs, ours = _both(torch.nn.MultiheadAttention, nn.MultiheadAttention, 6, 3)
    x = np.random.default_rng(1).standard_normal((5, 6))
    xt, xo = _pair(x)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    mask_o = ag.tensor(mask_t.numpy())
    out_t = theirs(xt, xt, xt, attn_mask=mask_t, need_weights=need_weights, is_causal=True)
    out_o = ours(xo, xo, xo, attn_mask=mask_o, need_weights=need_weights, is_causal=True)
    _backward_and_compare(out_t, out_o, [(xt, xo)], theirs, ours, np.float64)


def test_multihead_attention_masked_row_gives_nan_weights_like_pytorch():
    """A query whose keys are all padded: PyTorch's weights and output are nan there (need_weights)."""
    theirs, ours = _both(torch.nn.MultiheadAttention, nn.MultiheadAttention, 4, 2)
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    kpm = np.array([[True, True, True], [False, False, True]])
    out_t = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), key_padding_mask=torch.tensor(kpm))
    with np.errstate(invalid="ignore"):
            out_o = ours(ag.tensor(x), ag.tensor(x), ag.tensor(x), key_padding_mask=ag.tensor(kpm))
    for t, o in zip(out_t, out_o):
        _close(o, t, np.float64, "output")


def test_multihead_attention_parameters_init_and_errors():
    m = nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=5, vdim=6)
    t = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=5, vdim=6)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ of (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(7, 2)
    x = ag.randn(3, 2, 8)
    m = nn.MultiheadAttention(8, 2)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(2, 3\), but should be \(3, 3\)"):
        m(x, x, x, attn_mask=ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="key_padding_mask must have shape"):
        m(x, x, x, key_padding_mask=ag.ones(3, 3, dtype=ag.bool))
    with pytest.raises(ValueError, match="only bool and floating types of attn_mask"):
        m(x, x, x, attn_mask=ag.ones(3, 3, dtype=ag.int64))
    with pytest.raises(RuntimeError, match="embedding dimension of 8"):
        m(ag.randn(3, 2, 4), x, x)


ENCODER_CASES = {
    "post-norm relu": dict(),
    "pre-norm gelu batch_first": dict(norm_first=True, activation="gelu", batch_first=True),
    "callable activation, no bias": dict(activation=F.silu, bias=False, layer_norm_eps=1e-6),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masks", ["none", "causal", "key_padding_mask", "both"])
@pytest.mark.parametrize("case", list(ENCODER_CASES))
def test_transformer_encoder_layer_same_as_pytorch(case, masks, dtype):
    kw = dict(ENCODER_CASES[case])
    if kw.get("activation") is F.silu:
        kw_t = dict(kw, activation=torch.nn.functional.silu)
    else:
        kw_t = kw
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, dtype=TORCH_DTYPE[dtype],
                                              **kw_t)
    ours = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, dtype=dtype, **kw)
    _port(theirs, ours)
    rng = np.random.default_rng(3)
    n, l = 3, 5
    x = rng.standard_normal((n, l, 8) if kw.get("batch_first") else (l, n, 8)).astype(dtype)
    xt, xo = _pair(x)
    args_t, args_o = {}, {}
    if masks in ("causal", "both"):
        mask = torch.nn.Transformer.generate_square_subsequent_mask(l, dtype=TORCH_DTYPE[dtype])
        args_t["src_mask"], args_o["src_mask"] = mask, ag.tensor(mask.numpy())
        args_t["is_causal"] = args_o["is_causal"] = True
    if masks in ("key_padding_mask", "both"):
        kpm = np.zeros((n, l), dtype=bool)
        kpm[1, -2:] = True
        args_t["src_key_padding_mask"], args_o["src_key_padding_mask"] = torch.tensor(kpm), ag.tensor(kpm)
    _backward_and_compare([theirs(xt, **args_t)], [ours(xo, **args_o)], [(xt, xo)], theirs, ours, dtype)


@pytest.mark.parametrize("final_norm", [False, True])
def test_transformer_encoder_same_as_pytorch(final_norm):
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, dtype=torch.float64)
    theirs = torch.nn.TransformerEncoder(layer_t, 3, norm=torch.nn.LayerNorm(8, dtype=torch.float64)
                                         if final_norm else None, enable_nested_tensor=False)
    layer_o = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, dtype=np.float64)
    ours = nn.TransformerEncoder(layer_o, 3, norm=nn.LayerNorm(8, dtype=np.float64) if final_norm else None,
                                 enable_nested_tensor=False)
    with torch.no_grad():  # distinct layers, so a copy that shared weights would be caught
        for p in theirs.parameters():
            p.add_(torch.randn(p.shape, dtype=p.dtype) * 0.1)
    _port(theirs, ours)
    theirs.eval()
    ours.eval()  # dropout off
    x = np.random.default_rng(4).standard_normal((6, 2, 8))
    xt, xo = _pair(x)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    _backward_and_compare([theirs(xt, mask=mask)], [ours(xo, mask=ag.tensor(mask.numpy()))], [(xt, xo)],
                          theirs, ours, np.float64)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight


def test_encoder_layer_errors_and_repr():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    layer, theirs = nn.TransformerEncoderLayer(8, 2, 16), torch.nn.TransformerEncoderLayer(8, 2, 16)
    assert [k for k in layer.state_dict()] == [k for k in theirs.state_dict()]
    assert repr(layer) == repr(theirs)
    assert repr(nn.MultiheadAttention(8, 2, bias=False)) == repr(torch.nn.MultiheadAttention(8, 2, bias=False))


TORCH_HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
SEEGRAD_HEADER = "import autograd as torch\nimport nn\nimport nn.functional as F\nimport optim\ntorch.optim = optim\n"

PROGRAM = """
class TinyClassifier(nn.Module):
    def __init__(self, vocab=20, d=16, heads=4, layers=2, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d), enable_nested_tensor=False)
        self.pool_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.query = nn.Parameter(torch.zeros(1, 1, d))
        self.head = nn.Sequential(nn.Linear(d, d), nn.PReLU(), nn.RMSNorm(d), nn.Linear(d, classes))

    def forward(self, tokens, pad):
        h = self.encoder(self.embed(tokens), src_key_padding_mask=pad)
        q = self.query.expand(tokens.shape[0], 1, -1)
        pooled, weights = self.pool_attn(q, h, h, key_padding_mask=pad)
        return self.head(pooled[:, 0]), weights

model = TinyClassifier()
model.load_state_dict({k: torch.tensor(v) for k, v in init_weights.items()})
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
tokens, labels = torch.tensor(tokens_np), torch.tensor(labels_np)
pad = tokens == 0
losses = []
for step in range(8):
    opt.zero_grad()
    logits, weights = model(tokens, pad)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
    losses.append(loss.item())
"""


def test_a_pytorch_transformer_program_runs_unchanged_and_matches():
    """A small text classifier as a PyTorch user writes it (encoder, attention pooling, PReLU, RMSNorm),
    trained 8 Adam steps from the same weights: the loss curves agree."""
    import torch.optim  # noqa: F401

    rng = np.random.default_rng(5)
    tokens = rng.integers(1, 20, (6, 7))
    tokens[0, -3:] = 0
    tokens[4, -1:] = 0
    labels = rng.integers(0, 3, 6)
    torch.manual_seed(0)
    ref = {}
    exec(compile(TORCH_HEADER + PROGRAM.split("model.load_state_dict")[0], "<torch model>", "exec"), ref)
    init_weights = {k: v.detach().numpy().copy() for k, v in ref["TinyClassifier"]().state_dict().items()}
    runs = []
    for header in (TORCH_HEADER, SEEGRAD_HEADER):
        namespace = dict(init_weights=init_weights, tokens_np=tokens, labels_np=labels)
        exec(compile(header + PROGRAM, "<program>", "exec"), namespace)
        runs.append(namespace["losses"])
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-4)
    assert runs[0][-1] < runs[0][0]
