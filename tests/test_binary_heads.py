"""One-output classifiers everywhere: fit/evaluate accuracy for a sigmoid head (BCELoss) and a logit
head (BCEWithLogitsLoss), the server's probabilities and predictions with the threshold stated,
ONNX export, and the warning for a softmax before CrossEntropyLoss."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim
import seegrad
from seegrad import serving
from seegrad.data import DataLoader, TensorDataset


def moons_like(n=200, seed=0):
    """Two separable blobs: features (n, 2) float32, labels (n, 1) float32 in {0, 1}."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, 2)) * 0.6 + np.where(y[:, None] == 1, 1.5, -1.5)
    return x.astype(np.float32), y[:, None].astype(np.float32)


def sigmoid_model():
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1), nn.Sigmoid())


def logit_model():
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


@pytest.mark.parametrize("build,loss_fn,threshold", [(sigmoid_model, nn.BCELoss(), 0.5),
                                                     (logit_model, nn.BCEWithLogitsLoss(), 0.0)])
def test_fit_and_evaluate_report_the_true_binary_accuracy(build, loss_fn, threshold):
    x, y = moons_like()
    ag.manual_seed(0)
    model = build()
    loader = DataLoader(TensorDataset(ag.tensor(x), ag.tensor(y)), batch_size=32)
    history = seegrad.fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.05), loader, epochs=5,
                          val_loader=loader, progress=False)
    with ag.no_grad():
        out = model.eval()(ag.tensor(x)).numpy()
    want = float(((out > threshold) == (y > 0.5)).mean())
    assert want > 0.9  # the blobs are separable: the model learned
    assert history["val_accuracy"][-1] == pytest.approx(want)
    assert seegrad.evaluate(model, loader, loss_fn)["accuracy"] == pytest.approx(want)
    assert seegrad.evaluate(model, loader)["accuracy"] == pytest.approx(want)  # threshold from the model alone


def test_binary_threshold_reads_the_loss_then_the_last_layer():
    from seegrad.training import binary_threshold

    assert binary_threshold(sigmoid_model()) == 0.5
    assert binary_threshold(logit_model()) == 0.0
    assert binary_threshold(logit_model(), nn.BCELoss()) == 0.5
    assert binary_threshold(sigmoid_model(), nn.BCEWithLogitsLoss()) == 0.0


def test_cross_entropy_warns_once_when_its_inputs_are_already_probabilities(monkeypatch):
    monkeypatch.setattr(nn.CrossEntropyLoss, "_warned_probabilities", False)
    model = nn.Sequential(nn.Linear(3, 4), nn.Softmax(dim=1))
    loss_fn, y = nn.CrossEntropyLoss(), ag.tensor([0, 1, 2, 3])
    with pytest.warns(UserWarning, match="already sum to 1 along the class dim"):
        loss_fn(model(ag.randn(4, 3)), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss_fn(model(ag.randn(4, 3)), y)  # once only
        monkeypatch.setattr(nn.CrossEntropyLoss, "_warned_probabilities", False)
        nn.CrossEntropyLoss()(ag.randn(4, 4), y)  # logits: no warning


def test_server_answers_one_output_classifiers_with_the_threshold():
    p = np.array([[0.9], [0.2], [0.5]], np.float32)
    answer = serving.format_response(p, "classifier", "sigmoid")
    np.testing.assert_allclose(answer["probabilities"], [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]], atol=1e-7)
    assert answer["predictions"] == [1, 0, 0] and answer["threshold"] == 0.5
    logits = np.array([2.0, -1.0, 0.0], np.float32)  # a (B,) output of raw scores
    answer = serving.format_response(logits, "classifier")
    np.testing.assert_allclose(np.array(answer["probabilities"])[:, 1], 1 / (1 + np.exp(-logits)), rtol=1e-6)
    assert answer["predictions"] == [1, 0, 0]
    assert "probabilities" in serving.format_response(p, "auto", "sigmoid")  # a sigmoid head is a classifier
    assert "probabilities" not in serving.format_response(p, "auto")  # one raw output: a regressor


@pytest.mark.parametrize("kind", ["npz", "onnx"])
def test_served_sigmoid_and_logit_models_give_the_right_classes(kind, tmp_path, monkeypatch):
    pytest.importorskip("onnx")  # export
    pytest.importorskip("onnxruntime")  # serving the .onnx file
    x = np.array([[2.0, 2.0], [-2.0, -2.0], [1.5, 1.0]], np.float32)
    for name, build in (("sigmoid_model", sigmoid_model), ("logit_model", logit_model)):
        ag.manual_seed(1)
        model = build()
        with ag.no_grad():
            p1 = model(ag.tensor(x)).numpy()[:, 0]
        p1 = p1 if name == "sigmoid_model" else 1 / (1 + np.exp(-p1))
        folder = tmp_path / name
        folder.mkdir()
        if kind == "onnx":
            from seegrad.export import export_onnx
            export_onnx(model, ag.randn(2, 2), folder / "model.onnx")
            predictor = serving.load_predictor(folder / "model.onnx", task="classifier")
        else:
            nn.save(model.state_dict(), folder / "model.npz")
            monkeypatch.setattr(serving, "build_model", lambda _: build())
            predictor = serving.load_predictor(folder / "model.npz", model_def="x:y", task="classifier")
        answer = serving.format_response(predictor.predict(x), predictor.task, predictor.output_activation)
        np.testing.assert_allclose(np.array(answer["probabilities"])[:, 1], p1, rtol=1e-5)
        assert answer["predictions"] == [int(v > 0.5) for v in p1]
        assert answer["threshold"] == 0.5


def test_onnx_files_say_what_their_output_is(tmp_path):
    pytest.importorskip("onnx")  # export
    ort = pytest.importorskip("onnxruntime")  # reads the metadata back
    from seegrad.export import export_onnx

    for model, want in ((sigmoid_model(), "sigmoid"), (logit_model(), ""),
                        (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)), "softmax")):
        export_onnx(model, ag.randn(2, 2), tmp_path / "m.onnx")
        meta = ort.InferenceSession(str(tmp_path / "m.onnx")).get_modelmeta().custom_metadata_map
        assert meta["output_activation"] == want


@pytest.mark.parametrize("head", ["sigmoid", "logit"])
def test_seegrad_train_with_a_binary_head_end_to_end(head, tmp_path, capsys):
    """seegrad train --head: the printed accuracy is the reloaded model's; export and serving read the head."""
    pytest.importorskip("sklearn")  # moons come from scikit-learn
    pytest.importorskip("matplotlib")  # history.png
    from seegrad import cli, models

    out = tmp_path / head
    assert cli.main(["train", "--dataset", "moons", "--head", head, "--epochs", "8", "--hidden", "16",
                     "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    acc = float(next(ln for ln in printed.splitlines() if ln.startswith("test accuracy:")).split()[2].rstrip("%"))
    assert acc > 75 and f"with a {head} head" in printed
    config = models.load_run_config(out)
    assert config["head"] == head
    model = models.build_from_run_config(config)
    model.load_state_dict(nn.load(out / "model.npz"))
    split = seegrad.data.make_moons(n_samples=1000, noise=0.2)
    with ag.no_grad():
        scores = model.eval()(ag.tensor(split.X_test)).numpy()[:, 0]
    want = ((scores > (0.5 if head == "sigmoid" else 0.0)) == split.y_test).mean()
    assert acc == pytest.approx(100 * want, abs=0.01)
    predictor = serving.load_predictor(out / "model.npz")
    assert predictor.output_activation == ("sigmoid" if head == "sigmoid" else None)
    answer = serving.format_response(predictor.predict(split.X_test[:20]), "classifier", predictor.output_activation)
    np.testing.assert_array_equal(answer["predictions"], (scores[:20] > (0.5 if head == "sigmoid" else 0)).astype(int))


def test_seegrad_train_refuses_a_binary_head_for_ten_classes(tmp_path, capsys):
    pytest.importorskip("sklearn")  # the digits come from scikit-learn
    from seegrad import cli

    assert cli.main(["train", "--head", "sigmoid", "--epochs", "1", "--out", str(tmp_path / "x")]) == 2
    assert "--head sigmoid has one output, for two classes; --dataset digits has 10" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
