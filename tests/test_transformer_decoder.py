"""nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch 2.13: a torch
module's state_dict loaded into ours (the keys must be the same, in the same order), the same
inputs, then the output and the gradients of the inputs and of every parameter compared, in float32
and float64, with dropout 0 or in eval(); post-norm and norm_first, relu, gelu and a callable,
batch_first or not, unbatched inputs, and masks: float and bool, causal (with the hint, and found as
PyTorch finds it), key padding for tgt and memory, 3-d per-head masks."""
import math
import zlib

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from test_nn_sweep_transformer import TOL, TORCH_DTYPE, _backward_and_compare, _pair, _port

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

D, HEADS, FF = 8, 2, 16
T, S, N = 5, 6, 3  # target length, memory (source) length, batch

LAYER_CASES = {
    "post-norm relu": dict(),
    "post-norm gelu, batch_first": dict(activation="gelu", batch_first=True),
    "norm_first relu, batch_first": dict(norm_first=True, batch_first=True),
    "norm_first gelu": dict(norm_first=True, activation="gelu"),
    "callable activation, no bias, eps": dict(activation="silu", bias=False, layer_norm_eps=1e-6),
}

MASKS = ["none", "causal float, hint", "causal bool", "float tgt_mask", "bool memory_mask", "key padding",
         "3-d masks", "all"]


def _kwargs(case, lib):
    """The case's constructor keywords for ``lib`` (torch or ours): "silu" stands for a callable."""
    kw = dict(LAYER_CASES[case])
    if kw.get("activation") == "silu":
        kw["activation"] = torch.nn.functional.silu if lib is torch else F.silu
    return kw


def _inputs(rng, dtype, batch_first, t=T, s=S, n=N):
    tgt = rng.standard_normal((t, n, D)).astype(dtype)
    memory = rng.standard_normal((s, n, D)).astype(dtype)
    if batch_first:
        tgt, memory = tgt.transpose(1, 0, 2).copy(), memory.transpose(1, 0, 2).copy()
    return tgt, memory


def _masks(which, rng, dtype, t=T, s=S, n=N):
    """{argument name: numpy mask} for the decoder's forward, and whether tgt_is_causal is passed."""
    masks, hint = {}, False
    causal = np.triu(np.ones((t, t), dtype=bool), 1)
    if which in ("causal float, hint", "all"):
        masks["tgt_mask"] = np.where(causal, -np.inf, 0.0).astype(dtype)
        hint = which != "all"
    if which == "causal bool":
        masks["tgt_mask"] = causal
    if which == "float tgt_mask":
        masks["tgt_mask"] = rng.standard_normal((t, t)).astype(dtype)
    if which in ("bool memory_mask", "all"):
        memory_mask = rng.random((t, s)) < 0.3
        memory_mask[:, 0] = False  # every query can attend somewhere
        masks["memory_mask"] = memory_mask
    if which in ("key padding", "all"):
        tgt_pad, memory_pad = np.zeros((n, t), dtype=bool), np.zeros((n, s), dtype=bool)
        tgt_pad[0, -2:] = True  # the last positions are padding; the first never is
        memory_pad[1, -3:] = True
        memory_pad[2, -1] = True
        masks["tgt_key_padding_mask"], masks["memory_key_padding_mask"] = tgt_pad, memory_pad
    if which == "3-d masks":
        masks["tgt_mask"] = rng.standard_normal((n * HEADS, t, t)).astype(dtype)
        masks["memory_mask"] = rng.standard_normal((n * HEADS, t, s)).astype(dtype)
    return masks, hint


def _forward_both(theirs, ours, tgt, memory, masks, **extra):
    """The same forward on both (masks given to each as its own tensors); the input pairs for backward."""
    tt, to = _pair(tgt)
    mt, mo = _pair(memory)
    out_t = theirs(tt, mt, **{k: torch.tensor(v) for k, v in masks.items()}, **extra)
    out_o = ours(to, mo, **{k: ag.tensor(v) for k, v in masks.items()}, **extra)
    return out_t, out_o, [(tt, to), (mt, mo)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masks", MASKS)
@pytest.mark.parametrize("case", list(LAYER_CASES))
def test_decoder_layer_same_as_pytorch(case, masks, dtype):
    torch.manual_seed(0)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, dtype=TORCH_DTYPE[dtype],
                                              **_kwargs(case, torch))
    ours = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, dtype=dtype, **_kwargs(case, nn))
    _port(theirs, ours)
    rng = np.random.default_rng(zlib.crc32(f"{case} {masks}".encode()))
    tgt, memory = _inputs(rng, dtype, LAYER_CASES[case].get("batch_first", False))
    mask_arrays, hint = _masks(masks, rng, dtype)
    out_t, out_o, inputs = _forward_both(theirs, ours, tgt, memory, mask_arrays,
                                         **(dict(tgt_is_causal=True) if hint else {}))
    _backward_and_compare([out_t], [out_o], inputs, theirs, ours, dtype)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_unbatched_and_in_eval_with_dropout(norm_first):
    """(T, E) and (S, E) inputs with (S,) key padding; dropout 0.3 is off in eval(), as in PyTorch."""
    torch.manual_seed(1)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.3, norm_first=norm_first, dtype=torch.float64)
    ours = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.3, norm_first=norm_first, dtype=np.float64)
    _port(theirs, ours)
    theirs.eval()
    ours.eval()
    rng = np.random.default_rng(2)
    tgt, memory = rng.standard_normal((T, D)), rng.standard_normal((S, D))
    memory_pad = np.zeros(S, dtype=bool)
    memory_pad[-2:] = True
    masks = dict(tgt_mask=np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, 0.0),
                 memory_key_padding_mask=memory_pad)
    out_t, out_o, inputs = _forward_both(theirs, ours, tgt, memory, masks)
    _backward_and_compare([out_t], [out_o], inputs, theirs, ours, np.float64)


@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_memory_is_causal_hint(batch_first):
    """memory_is_causal with a causal memory_mask (T == S): PyTorch's attention then takes the hint."""
    torch.manual_seed(4)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, batch_first=batch_first,
                                              dtype=torch.float64)
    ours = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, batch_first=batch_first, dtype=np.float64)
    _port(theirs, ours)
    tgt, memory = _inputs(np.random.default_rng(6), np.float64, batch_first, t=T, s=T)
    causal = np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, 0.0)
    out_t, out_o, inputs = _forward_both(theirs, ours, tgt, memory, dict(tgt_mask=causal, memory_mask=causal),
                                         tgt_is_causal=True, memory_is_causal=True)
    _backward_and_compare([out_t], [out_o], inputs, theirs, ours, np.float64)


def test_decoder_layer_memory_padded_everywhere_for_one_sequence():
    """A batch element whose memory is all padding: its queries attend to nothing there. PyTorch's
    attention gives zeros for such rows (not nan); so must ours, values and gradients."""
    torch.manual_seed(2)
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, dtype=torch.float64)
    ours = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, dtype=np.float64)
    _port(theirs, ours)
    tgt, memory = _inputs(np.random.default_rng(3), np.float64, False)
    memory_pad = np.zeros((N, S), dtype=bool)
    memory_pad[1] = True
    out_t, out_o, inputs = _forward_both(theirs, ours, tgt, memory, dict(memory_key_padding_mask=memory_pad))
    assert not np.isnan(out_t.detach().numpy()).any()
    _backward_and_compare([out_t], [out_o], inputs, theirs, ours, np.float64)


def _perturbed(module):
    """Every parameter moved a little (seeded), so that layers copied from one another differ and
    zero biases or unit norms do not hide a wrong wiring."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, dtype=p.dtype) * 0.1)
    return module


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("final_norm", [False, True])
@pytest.mark.parametrize("causal", ["detected", "hint", "bool detected", "none"])
def test_decoder_stack_same_as_pytorch(causal, final_norm, dtype):
    torch.manual_seed(0)
    td = TORCH_DTYPE[dtype]
    layer_t = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True, dtype=td)
    theirs = _perturbed(torch.nn.TransformerDecoder(layer_t, 3, norm=torch.nn.LayerNorm(D, dtype=td)
                                                    if final_norm else None))
    layer_o = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True, dtype=dtype)
    ours = nn.TransformerDecoder(layer_o, 3, norm=nn.LayerNorm(D, dtype=dtype) if final_norm else None)
    _port(theirs, ours)
    theirs.eval()
    ours.eval()
    rng = np.random.default_rng(4)
    tgt, memory = _inputs(rng, dtype, batch_first=True)
    masks, extra = {}, {}
    above = np.triu(np.ones((T, T), dtype=bool), 1)
    if causal in ("detected", "hint"):
        masks["tgt_mask"] = np.where(above, -np.inf, 0.0).astype(dtype)
    if causal == "bool detected":
        masks["tgt_mask"] = above
    if causal == "hint":
        extra["tgt_is_causal"] = True
    out_t, out_o, inputs = _forward_both(theirs, ours, tgt, memory, masks, **extra)
    _backward_and_compare([out_t], [out_o], inputs, theirs, ours, dtype)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    assert len(ours.layers) == ours.num_layers == 3


TRANSFORMER_CASES = {
    "defaults": dict(),
    "batch_first": dict(batch_first=True),
    "norm_first gelu": dict(norm_first=True, activation="gelu"),
    "norm_first, batch_first, no bias": dict(norm_first=True, batch_first=True, bias=False),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("masks", ["none", "causal and padding", "all"])
@pytest.mark.parametrize("case", list(TRANSFORMER_CASES))
def test_transformer_same_as_pytorch(case, masks, dtype, monkeypatch):
    """The whole encoder-decoder: outputs and every gradient (src, tgt and all parameters). In float32
    the tolerance is wider (rounding through four layers, gradients up to ~5): 1e-5 absolute."""
    monkeypatch.setitem(TOL, np.float32, dict(rtol=2e-5, atol=1e-5))
    kw = TRANSFORMER_CASES[case]
    torch.manual_seed(0)
    theirs = torch.nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0, dtype=TORCH_DTYPE[dtype], **kw)
    ours = nn.Transformer(D, HEADS, 2, 2, FF, dropout=0.0, dtype=dtype, **kw)
    if masks == "all":
        _perturbed(theirs)
    _port(theirs, ours)
    rng = np.random.default_rng(zlib.crc32(f"{case} {masks}".encode()))
    batch_first = kw.get("batch_first", False)
    tgt, src = _inputs(rng, dtype, batch_first)  # tgt (T, N, E), src (S, N, E) (batch_first: N first)
    args = {}
    if masks != "none":
        args["tgt_mask"] = np.where(np.triu(np.ones((T, T), dtype=bool), 1), -np.inf, 0.0).astype(dtype)
        src_pad, tgt_pad = np.zeros((N, S), dtype=bool), np.zeros((N, T), dtype=bool)
        src_pad[0, -2:] = True
        tgt_pad[2, -1] = True
        args.update(src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
    if masks == "all":
        args["src_mask"] = rng.standard_normal((S, S)).astype(dtype)
        memory_mask = rng.random((T, S)) < 0.3
        memory_mask[:, 0] = False
        args["memory_mask"] = memory_mask
    st, so = _pair(src)
    tt, to = _pair(tgt)
    out_t = theirs(st, tt, **{k: torch.tensor(v) for k, v in args.items()})
    out_o = ours(so, to, **{k: ag.tensor(v) for k, v in args.items()})
    _backward_and_compare([out_t], [out_o], [(st, so), (tt, to)], theirs, ours, dtype)


def test_transformer_unbatched_and_custom_encoder_decoder():
    torch.manual_seed(3)
    enc_t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, HEADS, FF, 0.0, dtype=torch.float64), 1,
                                        enable_nested_tensor=False)
    dec_t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, HEADS, FF, 0.0, dtype=torch.float64), 2)
    theirs = torch.nn.Transformer(D, HEADS, custom_encoder=enc_t, custom_decoder=dec_t, dtype=torch.float64)
    enc_o = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, 0.0, dtype=np.float64), 1,
                                  enable_nested_tensor=False)
    dec_o = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, FF, 0.0, dtype=np.float64), 2)
    ours = nn.Transformer(D, HEADS, custom_encoder=enc_o, custom_decoder=dec_o, dtype=np.float64)
    assert ours.encoder is enc_o and ours.decoder is dec_o and ours.decoder.norm is None
    _port(theirs, ours)
    rng = np.random.default_rng(5)
    src, tgt = rng.standard_normal((S, D)), rng.standard_normal((T, D))
    st, so = _pair(src)
    tt, to = _pair(tgt)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(T, dtype=torch.float64)
    out_t = theirs(st, tt, tgt_mask=mask)
    out_o = ours(so, to, tgt_mask=ag.tensor(mask.numpy()))
    _backward_and_compare([out_t], [out_o], [(st, so), (tt, to)], theirs, ours, np.float64)


def test_transformer_state_dict_keys_and_repr_are_pytorchs():
    """The keys (encoder.norm and decoder.norm included), their order and shapes, the parameters'
    names and the repr, for the default model and a small one without bias."""
    for args, kw in [((), {}), ((16, 4, 1, 2, 24), dict(bias=False, norm_first=True))]:
        theirs, ours = torch.nn.Transformer(*args, **kw), nn.Transformer(*args, **kw)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
        assert repr(ours) == repr(theirs)
    keys = list(nn.Transformer(8, 2, 1, 1, 16).state_dict())
    assert "encoder.norm.weight" in keys and "decoder.norm.bias" in keys and "decoder.layers.0.norm3.weight" in keys
    layer_t, layer_o = torch.nn.TransformerDecoderLayer(8, 2, 16), nn.TransformerDecoderLayer(8, 2, 16)
    assert list(layer_o.state_dict()) == list(layer_t.state_dict())
    assert repr(layer_o) == repr(layer_t)
    assert repr(nn.TransformerDecoder(layer_o, 2)) == repr(torch.nn.TransformerDecoder(layer_t, 2))


def test_transformer_init_is_pytorchs():
    """Every matrix re-drawn Xavier-uniform (PyTorch's _reset_parameters); the attention's in_proj_bias
    and out_proj.bias zero, LayerNorms ones and zeros, the feed-forward biases Linear's U(+-1/sqrt(fan_in))."""
    ag.manual_seed(0)
    model = nn.Transformer(32, 4, 2, 2, 64)
    for name, p in model.named_parameters():
        w = p.detach().numpy()
        if p.ndim > 1:
            fan_out, fan_in = p.shape
            bound = math.sqrt(6 / (fan_in + fan_out))
            assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound, name
            assert abs(w.std() - bound / math.sqrt(3)) < 0.15 * bound, name  # uniform, not Linear's kaiming
        elif name.endswith(("in_proj_bias", "out_proj.bias")) or ".norm" in name and name.endswith("bias"):
            assert not w.any(), name
        elif ".norm" in name or name.startswith(("encoder.norm", "decoder.norm")):
            assert (w == 1).all(), name
        else:  # linear1/linear2 biases keep Linear's init
            fan_in = model.get_parameter(name.rsplit(".", 1)[0] + ".weight").shape[1]
            assert 0 < np.abs(w).max() <= 1 / math.sqrt(fan_in), name
    copies = [model.decoder.layers[k].linear1.weight.detach().numpy() for k in range(2)]
    assert not np.array_equal(*copies)  # each layer re-drawn


@pytest.mark.parametrize("size", [1, 4, 7])
def test_generate_square_subsequent_mask_is_pytorchs(size):
    for dtype_t, dtype_o in [(None, None), (torch.float64, ag.float64)]:
        want = torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=dtype_t)
        got = nn.Transformer.generate_square_subsequent_mask(size, dtype=dtype_o)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "")
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    m = nn.Transformer(8, 2, 1, 1, 16)
    assert m.generate_square_subsequent_mask(size).shape == (size, size)  # through an instance too


def _raises_both(torch_call, our_call, error, match):
    """PyTorch refuses it too (its error's type aside); ours says so in its own words."""
    with pytest.raises(Exception):
        torch_call()
    with pytest.raises(error, match=match):
        our_call()


def test_bad_input_gets_clear_errors():
    _raises_both(lambda: torch.nn.TransformerDecoderLayer(10, 3), lambda: nn.TransformerDecoderLayer(10, 3),
                 ValueError, r"TransformerDecoderLayer: d_model must be divisible by nhead .* d_model=10, nhead=3")
    _raises_both(lambda: torch.nn.Transformer(10, 4), lambda: nn.Transformer(10, 4),
                 ValueError, r"TransformerEncoderLayer: d_model must be divisible by nhead")
    _raises_both(lambda: torch.nn.TransformerDecoderLayer(8, 2, activation="tanh"),
                 lambda: nn.TransformerDecoderLayer(8, 2, activation="tanh"),
                 RuntimeError, "TransformerDecoderLayer: activation should be relu/gelu, not tanh")
    layer_t, layer = torch.nn.TransformerDecoderLayer(8, 2, 16), nn.TransformerDecoderLayer(8, 2, 16)
    tgt, memory = np.zeros((5, 3, 8), np.float32), np.zeros((6, 3, 8), np.float32)

    def both(t, m, match, **masks):
        _raises_both(lambda: layer_t(torch.tensor(t), torch.tensor(m), **{k: torch.tensor(v) for k, v in masks.items()}),
                     lambda: layer(ag.tensor(t), ag.tensor(m), **{k: ag.tensor(v) for k, v in masks.items()}),
                     RuntimeError, match)

    both(tgt, np.zeros((6, 3, 4), np.float32),
         r"TransformerDecoderLayer: tgt and memory must both be .* E = d_model = 8; got tgt \(5, 3, 8\) and memory "
         r"\(6, 3, 4\)")
    both(tgt, np.zeros((6, 2, 8), np.float32), r"tgt \(5, 3, 8\) and memory \(6, 2, 8\) must have the same batch")
    both(tgt, memory, r"the shape of tgt_mask is \(5, 6\), but should be \(5, 5\)",
         tgt_mask=np.zeros((5, 6), np.float32))
    both(tgt, memory, r"the shape of memory_mask is \(5, 5\), but should be \(5, 6\) .* or \(6, 5, 6\)",
         memory_mask=np.zeros((5, 5), np.float32))
    both(tgt, memory, r"the shape of memory_key_padding_mask is \(3, 5\), but should be \(3, 6\)",
         memory_key_padding_mask=np.zeros((3, 5), bool))
    both(tgt, memory, r"the shape of tgt_key_padding_mask is \(5, 3\), but should be \(3, 5\)",
         tgt_key_padding_mask=np.zeros((5, 3), bool))
    model_t, model = torch.nn.Transformer(8, 2, 1, 1, 16), nn.Transformer(8, 2, 1, 1, 16)
    _raises_both(lambda: model_t(torch.zeros(6, 3, 8), torch.zeros(5, 2, 8)),
                 lambda: model(ag.zeros(6, 3, 8), ag.zeros(5, 2, 8)),
                 RuntimeError, r"Transformer: the batch number of src and tgt must be equal, got src \(6, 3, 8\) and "
                 r"tgt \(5, 2, 8\)")
    _raises_both(lambda: model_t(torch.zeros(6, 3, 8), torch.zeros(5, 3, 6)),
                 lambda: model(ag.zeros(6, 3, 8), ag.zeros(5, 3, 6)),
                 RuntimeError, r"Transformer: the feature number of src and tgt must be equal to d_model=8")
    with pytest.raises(ValueError, match="TransformerDecoder: num_layers must be a non-negative int"):
        nn.TransformerDecoder(layer, -1)
    with pytest.raises(TypeError, match="TransformerDecoderLayer: memory must be a tensor, got list"):
        layer(ag.tensor(tgt), [[0.0] * 8])
