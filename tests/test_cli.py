"""seegrad train (seegrad.cli): end-to-end runs, resume, and one-line errors for bad input."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from seegrad import cli, models

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")


def seegrad(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SEEGRAD_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "seegrad", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def load_model(out, in_features=64, hidden=(128,), classes=10):
    model = models.build_mlp(in_features, classes, list(hidden), None)
    model.load_state_dict(nn.load(out / "model.npz"))
    return model


@pytest.mark.slow
def test_train_end_to_end_writes_weights_plot_and_graph(tmp_path):
    proc = seegrad("train", "--epochs", "3", "--hidden", "32", "--lr", "0.005", "--out", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = tmp_path / "run"
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("digits: 1438 train / 359 test samples")
    assert [ln.split()[1] for ln in lines if ln.startswith("epoch ")] == ["1/3", "2/3", "3/3"]
    acc = float(next(ln for ln in lines if ln.startswith("test accuracy:")).split()[2].rstrip("%"))
    assert acc > 85
    # the saved weights are the trained model: reloading them gives the printed accuracy
    from seegrad.data import DataLoader, load_digits
    from seegrad.training import evaluate
    _, test = load_digits().tensor_datasets()
    model = load_model(out, hidden=(32,))
    assert 100 * evaluate(model, DataLoader(test, batch_size=100))["accuracy"] == pytest.approx(acc, abs=0.01)
    assert (out / "history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = ET.parse(out / "graph.svg").getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "1.weight" in texts and "3.bias" in texts and "(1): Linear" in texts  # parameter names, module boxes
    config = json.loads((out / "config.json").read_text())
    assert config["hidden"] == [32] and config["epochs"] == 3 and config["optimizer"] == "adam"


def test_resume_in_two_steps_equals_one_run(tmp_path):
    common = ["train", "--dataset", "moons", "--hidden", "8", "--batch-size", "64", "--no-progress"]
    assert cli.main(common + ["--epochs", "4", "--out", str(tmp_path / "a")]) == 0
    assert cli.main(common + ["--epochs", "2", "--out", str(tmp_path / "b")]) == 0
    assert cli.main(["train", "--resume", "--epochs", "4", "--out", str(tmp_path / "b")]) == 0
    a, b = nn.load(tmp_path / "a" / "model.npz"), nn.load(tmp_path / "b" / "model.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())


def test_resume_rejects_changed_architecture(tmp_path, capsys):
    args = ["train", "--dataset", "moons", "--hidden", "8", "--epochs", "1", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(["train", "--resume", "--hidden", "16", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seegrad: error: --resume: --hidden [16] differs from the saved run's [8]")


@pytest.mark.parametrize("model", sorted(models.RUN_MODELS))
def test_each_model_trains_on_digits(tmp_path, model, capsys):
    assert cli.main(["train", "--model", model, "--hidden", "8", "--epochs", "2", "--optimizer", "momentum",
                     "--batch-size", "64", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"model: {model}, hidden 8 (" in out
    assert float(out.split("test accuracy: ")[1].split("%")[0]) > 20  # learning, well above 10% chance
    assert (tmp_path / "model.npz").exists()


@pytest.mark.parametrize("args, message", [
    (["train", "--epochs", "x"], "argument --epochs: invalid int value: 'x'"),
    (["train", "--lr", "-1"], "argument --lr: must be a positive number"),
    (["train", "--hidden", "64,zero"], "argument --hidden: expected layer widths"),
    (["train", "--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
    (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    (["train", "--model", "transformer"], "--model 'transformer' is not available; choose from: mlp"),
    (["train", "--model", "rnn", "--dataset", "moons"], "--model rnn does not fit --dataset moons"),
    (["train", "--dataset", "mnist"], "--dataset mnist needs --data-dir"),
    (["train", "--dataset", "mnist", "--data-dir", "nowhere"], "MNIST data folder 'nowhere' does not exist"),
    (["train", "--data-dir", "."], "--data-dir is only used with --dataset mnist"),
    (["train", "--resume", "--out", "empty"], "--resume: no checkpoint.npz in 'empty'"),
    (["train", "--out", "a_file"], "--out 'a_file' exists and is not a folder"),
    (["fly"], "invalid choice: 'fly'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_input_gives_one_line_error(tmp_path, args, message, capsys, monkeypatch):
    (tmp_path / "a_file").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEEGRAD_DEBUG", raising=False)
    assert cli.main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("seegrad: error: ") and message in err
    assert not (tmp_path / "seegrad-run").exists()


@pytest.mark.parametrize("args, message", [
    (["train", "--epochs", "0"], "argument --epochs: must be a positive number"),
    (["train", "--dataset", "mnist", "--data-dir", "nowhere"], "never downloads"),
    (["train", "--resume", "--out", "empty"], "--resume: no checkpoint.npz"),
])
def test_bad_input_in_a_real_process_exits_2_without_traceback(tmp_path, args, message):
    proc = seegrad(*args, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("seegrad: error: ") and message in proc.stderr


def test_help_exits_zero(capsys):
    assert cli.main(["train", "--help"]) == 0
    assert "--resume" in capsys.readouterr().out


def test_mnist_from_a_data_dir(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name, shape in [("train-images-idx3-ubyte", (40, 28, 28)), ("train-labels-idx1-ubyte", (40,)),
                        ("t10k-images-idx3-ubyte", (10, 28, 28)), ("t10k-labels-idx1-ubyte", (10,))]:
        arr = rng.integers(0, 10 if "labels" in name else 256, shape, dtype=np.uint8)
        header = bytes([0, 0, 0x08, arr.ndim]) + np.array(arr.shape, ">u4").tobytes()
        (tmp_path / name).write_bytes(header + arr.tobytes())
    assert cli.main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--model", "cnn", "--hidden", "4",
                     "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mnist: 40 train / 10 test samples, 784 features, 10 classes")
    assert (tmp_path / "run" / "graph.svg").exists()


def test_graph_is_drawn_on_the_hardest_test_samples(tmp_path, capsys):
    # after training most samples' loss is ~0, and so is every gradient on the picture: the graph
    # is drawn on the 8 test samples the model gets most wrong instead
    assert cli.main(["train", "--hidden", "16", "--epochs", "3", "--lr", "0.01", "--out", str(tmp_path),
                     "--no-progress"]) == 0
    capsys.readouterr()
    texts = [t.text or "" for t in ET.parse(tmp_path / "graph.svg").getroot().iter("{http://www.w3.org/2000/svg}text")]
    out = texts.index("output")
    assert texts[out + 1] == "() float32" and texts[out + 2].startswith("data ")
    drawn_loss = float(texts[out + 2].split()[1])

    from seegrad.data import load_digits
    _, test = load_digits().tensor_datasets()
    model = load_model(tmp_path, hidden=(16,))
    model.eval()
    with ag.no_grad():
        x, y = test[:]
        losses = nn.CrossEntropyLoss(reduction="none")(model(x), y).numpy()
    top8 = np.sort(losses)[-8:]
    assert drawn_loss == pytest.approx(top8.mean(), rel=1e-3)
    assert drawn_loss > 3 * losses.mean()
    xb, yb = cli.hardest_samples(model, test)
    hardest = np.sort(np.argsort(-losses, kind="stable")[:8])
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[hardest])
    np.testing.assert_array_equal(yb.numpy(), y.numpy()[hardest])
    grad_norms = [float(t.rsplit("norm ", 1)[1]) for t in texts if t.startswith("grad mean")]
    assert grad_norms and max(grad_norms) > 0.05  # gradients worth looking at, not ~1e-8
