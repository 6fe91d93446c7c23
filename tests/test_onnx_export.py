"""seegrad.export.export_onnx: each exported model runs in onnxruntime and gives the framework's numbers."""
import os

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import seegrad
from seegrad.export import ExportError, export_onnx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def run_ort(path, x, name="input"):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {name: np.asarray(x)})[0]


def check_roundtrip(model, feature_shape, tmp_path, batches=(1, 17), atol=1e-5, **kwargs):
    """Export at batch 4, then compare onnxruntime with the model at other batch sizes."""
    path = tmp_path / "model.onnx"
    modes = [m.training for m in model.modules()]
    proto = export_onnx(model, ag.randn(4, *feature_shape), path, **kwargs)
    assert [m.training for m in model.modules()] == modes  # export leaves train/eval as it was
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    model.eval()
    for batch in batches:
        x = ag.randn(batch, *feature_shape)
        with ag.no_grad():
            expected = model(x).numpy()
        got = run_ort(path, x.numpy())
        assert got.shape == expected.shape, (batch, got.shape, expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=atol)
    return proto


class Residual(nn.Module):
    """A custom forward: a residual add, a scaled skip, an elementwise max and a softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 10)
        self.fc2 = nn.Linear(10, 10)
        self.out = nn.Linear(10, 4)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = h + self.fc2(h).tanh() * 0.5          # residual
        h = ag.maximum(h, h.mean(dim=1, keepdim=True))
        return self.out(h).softmax(dim=-1)


def test_mlp_classifier_matches_at_batch_1_and_17(tmp_path):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 3))
    proto = check_roundtrip(model, (3, 4), tmp_path)
    names = {i.name for i in proto.graph.initializer}
    assert {"1.bias", "4.bias", "6.bias"} <= names            # parameters keep their names
    assert any(n.startswith("1.weight") for n in names)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [3, 4]


def test_custom_module_with_residual_and_softmax(tmp_path):
    ag.manual_seed(1)
    model = Residual()
    check_roundtrip(model, (6,), tmp_path)
    x = ag.randn(17, 6)
    out = run_ort(tmp_path / "model.onnx", x.numpy())
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("last", [nn.Softmax(dim=1), nn.LogSoftmax(dim=1), nn.Sigmoid(), nn.Identity()])
def test_probability_outputs(last, tmp_path):
    ag.manual_seed(2)
    check_roundtrip(nn.Sequential(nn.Linear(5, 7), nn.Sigmoid(), nn.Linear(7, 3), last), (5,), tmp_path)


@pytest.mark.parametrize("act", [nn.LeakyReLU(0.2), nn.ELU(0.7), nn.SELU(), nn.GELU(), nn.GELU("tanh"),
                                 nn.Softplus(beta=2.0, threshold=3.0), nn.Mish(), nn.LogSigmoid(),
                                 nn.Hardtanh(-0.5, 0.5), nn.ReLU6(), nn.SiLU(), nn.Step()],
                         ids=lambda m: repr(m))
def test_activation_layers(act, tmp_path):
    ag.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 32), act, nn.Linear(32, 2))
    with ag.no_grad():  # spread the pre-activations over both branches of each activation
        model[0].weight.mul_(3.0)
    check_roundtrip(model, (4,), tmp_path)


@pytest.mark.parametrize("opset", [13, 17, 18])
def test_reductions_and_shapes_across_opsets(opset, tmp_path):
    ag.manual_seed(4)
    lin = nn.Linear(8, 8)

    class Ops(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x):
            h = self.lin(x).reshape(x.shape[0], 2, 4)              # (B, 2, 4)
            a = h.amax(dim=2) + h.logsumexp(dim=2) - h.sum(dim=2)   # (B, 2)
            b = h.permute(0, 2, 1)[:, 1:3, 0]                      # (B, 2)
            c = ag.cat([a, b.clamp(-1.0, 1.0), (h.abs() + 1).log().max(dim=1).values], dim=1)
            return c.exp().sqrt() / (1 + c.square())

    check_roundtrip(Ops(), (8,), tmp_path, opset=opset)


@pytest.mark.parametrize("opset", [13, 18])
def test_standardising_with_std_and_var(opset, tmp_path):
    """x.std() and x.var() are one engine node each: exported as ReduceMean, Mul and Sqrt."""
    class Standardise(nn.Module):
        def forward(self, x):
            z = (x - x.mean(dim=1, keepdim=True)) / x.std(dim=1, keepdim=True)  # (B, 6)
            spread = x.reshape(x.shape[0], 2, 3).std(dim=(1, 2), correction=0).unsqueeze(1)  # (B, 1)
            return ag.cat([z, x.var(dim=1, keepdim=True), spread], dim=1)  # (B, 8)

    check_roundtrip(Standardise(), (6,), tmp_path, opset=opset)


def test_fixed_batch_export(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    proto = export_onnx(model, ag.randn(5, 3), tmp_path / "m.onnx", dynamic_batch=False)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [5, 3]
    x = ag.randn(5, 3)
    with ag.no_grad():
        np.testing.assert_allclose(run_ort(tmp_path / "m.onnx", x.numpy()), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_custom_names_and_no_temp_files_left(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    export_onnx(model, ag.randn(2, 3), tmp_path / "m.onnx", input_names=("features",), output_names=("scores",))
    assert os.listdir(tmp_path) == ["m.onnx"]
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    assert [i.name for i in session.get_inputs()] == ["features"]
    assert [o.name for o in session.get_outputs()] == ["scores"]


def test_exported_file_gets_the_mode_a_plain_open_gives(tmp_path):
    """Not 0600 (the temp file's mode): a server running as another user (the Docker image's) reads it."""
    old = os.umask(0o022)
    try:
        export_onnx(nn.Sequential(nn.Linear(3, 2)), ag.randn(2, 3), tmp_path / "m.onnx")
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "m.onnx").st_mode & 0o777 == 0o644


class Cube(ag.Function):
    def forward(ctx, a):
        return a ** 3

    def backward(ctx, grad):
        raise NotImplementedError


def test_unsupported_op_is_named(tmp_path):
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return Cube.apply(self.fc(x))

    with pytest.raises(ExportError, match=r"op Cube \(CubeBackward0\).*no ONNX translation"):
        export_onnx(Custom(), ag.randn(2, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_values_computed_outside_the_graph_are_refused(tmp_path):
    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            h = self.fc(x)
            mask = ag.from_numpy(h.detach().numpy() > 0)  # made by numpy, outside the traced ops
            return ag.where(mask, h, h * 0.1)

    ag.manual_seed(2)  # weights whose masks differ between the traces' batches (else the refusal names the batch)
    with pytest.raises(ExportError, match=r"Where.*computed from the input outside the traced ops"):
        export_onnx(Masked(), ag.randn(2, 3), tmp_path / "m.onnx")


def test_functional_leaky_relu_is_traced(tmp_path):
    # F.leaky_relu builds its mask with a tensor comparison, so it exports like the layer does
    class Leaky(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return F.leaky_relu(self.fc(x), 0.1)

    check_roundtrip(Leaky(), (3,), tmp_path)


def test_data_dependent_control_flow_is_refused(tmp_path):
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            h = self.fc(x)
            return h.exp() if h.shape[0] == 2 else h.tanh()

    with pytest.raises(ExportError, match="ran different ops"):
        export_onnx(Branchy(), ag.randn(2, 3), tmp_path / "m.onnx")


def test_tensor_comparisons_are_traced(tmp_path):
    class Gate(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            h = self.fc(x)
            return ag.where(h > 0.1, h, h * -0.5) + (h <= 0).float()

    check_roundtrip(Gate(), (4,), tmp_path)


def test_missing_onnx_gives_install_hint(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install 'seegrad\[onnx\]'"):
        export_onnx(nn.Linear(2, 2), ag.randn(1, 2), tmp_path / "m.onnx")


needs_conv = pytest.mark.skipif(not all(hasattr(nn, n) for n in ("Conv2d", "MaxPool2d", "BatchNorm2d")),
                                reason="nn has no Conv2d/MaxPool2d/BatchNorm2d yet")


def _trained_batchnorm(model, shape):
    """A few training-mode passes so running statistics differ from their initial 0 and 1."""
    model.train()
    with ag.no_grad():
        for _ in range(3):
            model(ag.randn(8, *shape) * 2 + 1)


@needs_conv
def test_small_cnn(tmp_path):
    ag.manual_seed(5)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, stride=2, padding="valid", bias=False), nn.LeakyReLU(0.1),
        nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Linear(6, 5), nn.BatchNorm1d(5), nn.LogSoftmax(dim=1))
    _trained_batchnorm(model, (1, 10, 10))
    check_roundtrip(model, (1, 10, 10), tmp_path)


@needs_conv
@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 9, 8)),
    (lambda: nn.Conv2d(4, 4, 3, padding="same", groups=2), (4, 6, 6)),
    (lambda: nn.Conv1d(3, 5, 4, stride=2, padding=1), (3, 12)),
    (lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 9, 9)),
    (lambda: nn.MaxPool1d(2), (3, 8)),
    (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 9, 9)),
    (lambda: nn.AdaptiveAvgPool2d(1), (3, 5, 7)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (3, 4, 9)),
], ids=["conv2d-dilated", "conv2d-same-groups", "conv1d", "maxpool2d-padded", "maxpool1d", "avgpool2d",
        "global-avg", "adaptive-avg"])
def test_conv_and_pool_layers(layer, shape, tmp_path):
    ag.manual_seed(6)
    check_roundtrip(nn.Sequential(layer()), shape, tmp_path)


@needs_conv
def test_layernorm_traces(tmp_path):
    if not hasattr(nn, "LayerNorm"):
        pytest.skip("no nn.LayerNorm")
    ag.manual_seed(7)
    model = nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU())
    check_roundtrip(model, (6,), tmp_path)


@needs_conv
def test_functional_conv_pool_and_norm_in_custom_forward(tmp_path):
    """F.conv2d / F.max_pool2d / F.batch_norm called from a forward are exported op by op."""
    ag.manual_seed(8)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)
            self.conv1d = nn.Conv1d(3, 2, 2)

        def forward(self, x):
            h = F.conv2d(x, self.conv.weight, self.conv.bias, stride=1, padding=1)
            h = F.batch_norm(h, self.bn.running_mean, self.bn.running_var, self.bn.weight, self.bn.bias)
            h = F.max_pool2d(h, 2, ceil_mode=True)                      # (B, 3, 4, 4)
            h = F.conv1d(h.reshape(h.shape[0], 3, 16), self.conv1d.weight, None, padding=1)
            return F.layer_norm(h, (h.shape[-1],))

    model = Net()
    _trained_batchnorm(model.bn, (3, 7, 7))
    check_roundtrip(model, (2, 7, 7), tmp_path)


@needs_conv
def test_embedding_with_integer_input(tmp_path):
    if not hasattr(nn, "Embedding"):
        pytest.skip("no nn.Embedding")
    ag.manual_seed(9)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
    path = tmp_path / "emb.onnx"
    export_onnx(model, ag.randint(0, 10, (2, 3)), path)
    x = ag.randint(0, 10, (17, 3))
    with ag.no_grad():
        np.testing.assert_allclose(run_ort(path, x.numpy()), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_mnist1d_cnn_from_nn_models(tmp_path):
    if not hasattr(seegrad, "models"):
        pytest.skip("no seegrad.models")
    ag.manual_seed(10)
    check_roundtrip(seegrad.models.cnn1d(), (40,), tmp_path)


def test_linear_on_3d_input(tmp_path):
    """nn.Linear on (B, T, features): MatMul by the folded W^T (a 2-d input gets one Gemm)."""
    ag.manual_seed(11)
    check_roundtrip(nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2, bias=False)), (3, 5), tmp_path)
    proto = export_onnx(nn.Sequential(nn.Linear(5, 4)), ag.randn(2, 5), tmp_path / "gemm.onnx")
    assert [n.op_type for n in proto.graph.node] in (["Gemm", "Identity"], ["MatMul", "Add", "Identity"])


def test_batch_sized_constant_needs_a_fixed_batch(tmp_path):
    class Offset(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x) + ag.ones(x.shape[0], 4)

    with pytest.raises(ExportError, match=r"op #1 \(Add\): input 1 is a constant whose shape follows the batch"):
        export_onnx(Offset(), ag.randn(2, 4), tmp_path / "m.onnx")
    model = Offset()
    export_onnx(model, ag.randn(5, 4), tmp_path / "m.onnx", dynamic_batch=False)
    x = ag.randn(5, 4)
    with ag.no_grad():
        np.testing.assert_allclose(run_ort(tmp_path / "m.onnx", x.numpy()), model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_recurrent_layers_without_a_translation_are_reported_unsupported(tmp_path):
    class Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 8, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]

    with pytest.raises(ExportError, match=r"op LSTMLayer \(LSTMLayerBackward0\).*no ONNX translation"):
        export_onnx(Seq(), ag.randn(2, 3, 4), tmp_path / "m.onnx")


class GRUSeq(nn.Module):
    """nn.GRU's outputs (B, L, D*H); with ``learned_h0`` its initial state comes from the input."""

    def __init__(self, learned_h0=False, **kwargs):
        super().__init__()
        self.gru = nn.GRU(4, 5, batch_first=True, **kwargs)
        self.h0 = nn.Linear(4, 5) if learned_h0 else None

    def forward(self, x):
        if self.h0 is None:
            return self.gru(x)[0]
        return self.gru(x, self.h0(x[:, 0]).tanh().unsqueeze(0))[0]  # h0 (1, B, H) from the first step


@pytest.mark.parametrize("kwargs", [{}, {"bias": False}, {"num_layers": 2, "bidirectional": True},
                                    {"learned_h0": True}], ids=["plain", "no-bias", "2-layer-bidir", "h0"])
def test_gru_exports_as_onnx_gru_nodes(tmp_path, kwargs):
    ag.manual_seed(0)
    model = GRUSeq(**kwargs)
    proto = check_roundtrip(model, (3, 4), tmp_path)
    directions = 2 if kwargs.get("bidirectional") else 1
    assert [n.op_type for n in proto.graph.node].count("GRU") == kwargs.get("num_layers", 1) * directions


def test_mnist1d_gru_model_exports(tmp_path):
    ag.manual_seed(1)
    check_roundtrip(seegrad.models.gru(hidden_size=4), (40,), tmp_path, batches=(1, 5))


def test_indexing_expand_and_two_outputs(tmp_path):
    class Many(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)

        def forward(self, x):
            h = self.fc(x)                                        # (B, 6)
            picked = ag.cat([h[:, ::-2], h[:, -1:], h[..., 2, None]], dim=1)   # (B, 5)
            grid = h.unsqueeze(1).expand(x.shape[0], 3, 6)        # (B, 3, 6)
            return picked, grid.sum(dim=1) * h[:, 0].unsqueeze(1)

    ag.manual_seed(12)
    model = Many()
    path = tmp_path / "two.onnx"
    export_onnx(model, ag.randn(4, 4), path, output_names=("picked", "scaled"))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for batch in (1, 17):
        x = ag.randn(batch, 4)
        with ag.no_grad():
            expected = [t.numpy() for t in model(x)]
        for got, want in zip(session.run(None, {"input": x.numpy()}), expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_identity_model(tmp_path):
    export_onnx(nn.Identity(), ag.randn(2, 3), tmp_path / "id.onnx")
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(run_ort(tmp_path / "id.onnx", x), x)
