"""seegrad.models' run config: what `seegrad train` writes is what export and serving read.

Each kind of `seegrad train` run folder (--model mlp, cnn, rnn) is exported to ONNX and served."""
import json

import numpy as np
import pytest

import autograd as ag
import nn
from seegrad import cli, models, serving
from seegrad.data import load_digits
from seegrad.models import RunConfigError, build_from_run_config, load_run_config, save_run_config

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

DIGIT_VIEWS = {"image": (1, 8, 8), "sequence": (8, 8)}
CONFIG = {"dataset": "digits", "data_dir": None, "model": "cnn", "optimizer": "adam", "lr": 0.001,
          "batch_size": 32, "hidden": [4], "seed": 0, "epochs": 1, "in_features": 64, "num_classes": 10,
          "views": DIGIT_VIEWS}


@pytest.mark.parametrize("model, hidden", [("mlp", [8]), ("cnn", [4]), ("rnn", [8])])
def test_train_run_folder_is_exported_and_served(tmp_path, capsys, model, hidden):
    run = tmp_path / "run"
    assert cli.main(["train", "--model", model, "--hidden", ",".join(map(str, hidden)), "--epochs", "1",
                     "--batch-size", "128", "--no-progress", "--out", str(run)]) == 0
    assert load_run_config(run)["model"] == model
    # the trained model, rebuilt by hand from what we know of the run
    expected_model = models.RUN_MODELS[model](64, 10, hidden, DIGIT_VIEWS)
    expected_model.load_state_dict(nn.load(run / "model.npz"))
    expected_model.eval()
    x = load_digits().X_test[:7]
    with ag.no_grad():
        expected = expected_model(ag.tensor(x)).numpy()

    native = serving.load_predictor(run)  # model.npz + config.json
    assert native.kind == "seegrad" and native.input_shape == (64,)
    np.testing.assert_array_equal(native.predict(x), expected)

    capsys.readouterr()
    assert seegrad_export([str(run)]) == 0  # seegrad-export: writes run/model.onnx, checks it in onnxruntime
    assert "max |difference|" in capsys.readouterr().out
    exported = serving.load_predictor(run)  # the folder now has model.onnx: that is served
    assert exported.kind == "onnx" and exported.input_shape == (64,)
    np.testing.assert_allclose(exported.predict(x), expected, rtol=1e-5, atol=1e-5)


def seegrad_export(argv):
    """The seegrad-export command, in process."""
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from seegrad.export import onnx as onnx_export
    return onnx_export.main(argv)


def test_save_then_load_gives_the_same_config(tmp_path):
    path = save_run_config(tmp_path, CONFIG)
    assert path == str(tmp_path / "config.json")
    assert load_run_config(tmp_path) == CONFIG  # views come back as tuples, as the CLI gives them
    assert json.loads((tmp_path / "config.json").read_text())["views"] == {"image": [1, 8, 8], "sequence": [8, 8]}
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


@pytest.mark.parametrize("text, message", [
    ("{not json", r"config.json is not valid JSON: .* at line 1"),
    ("[1, 2]", r"config.json: a run config is a JSON object, got list"),
    ('{"hidden": [8]}', r"config.json: no 'model'"),
    ('{"model": "transformer", "hidden": [8]}', r"config.json: 'model' must be one of mlp, cnn, rnn"),
    ('{"model": "mlp", "hidden": [8, 0]}', r"config.json: 'hidden' must be a list of positive integers"),
    ('{"model": "mlp", "hidden": [8], "in_features": "64"}', r"config.json: 'in_features' must be a positive"),
    ('{"model": "cnn", "hidden": [8], "views": {"image": [1, -8, 8]}}', r"config.json: 'views' must be"),
    ('{"model": "mlp", "hidden": [8], "lr": true}', r"config.json: 'lr' must be a positive number"),
])
def test_load_names_the_file_and_the_key(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    with pytest.raises(RunConfigError, match=message) as info:
        load_run_config(tmp_path)
    assert str(tmp_path / "config.json") in str(info.value)


def test_missing_file_and_invalid_save(tmp_path):
    with pytest.raises(RunConfigError, match=r"config.json: no such file"):
        load_run_config(tmp_path)
    with pytest.raises(RunConfigError, match=r"'hidden' must be a list"):
        save_run_config(tmp_path, {**CONFIG, "hidden": "8"})
    assert list(tmp_path.iterdir()) == []  # nothing written that could not be read back


def test_build_from_a_folder_and_from_an_older_config(tmp_path):
    save_run_config(tmp_path, CONFIG)
    ag.manual_seed(0)
    model = build_from_run_config(tmp_path)
    assert isinstance(model[0], nn.Unflatten) and model(ag.randn(2, 64)).shape == (2, 10)
    # an mlp run from before in_features / num_classes were written: read off the weights
    old = {"dataset": "digits", "model": "mlp", "hidden": [16]}
    state = models.build_mlp(64, 10, [16]).state_dict()
    assert build_from_run_config(old, state)(ag.randn(3, 64)).shape == (3, 10)
    with pytest.raises(RunConfigError, match="no in_features / num_classes; pass the run's weights"):
        build_from_run_config(old)
    # a cnn run from then has no views: say so (it used to be "config.json has no seq_shape")
    (tmp_path / "config.json").write_text(json.dumps({"model": "cnn", "hidden": [4]}))
    with pytest.raises(RunConfigError, match=r"config.json has no views \(image or signal\) for its 'cnn' model"):
        build_from_run_config(tmp_path)


def test_server_reports_a_bad_config_in_one_line(tmp_path):
    nn.save(models.build_mlp(64, 10, [8]).state_dict(), tmp_path / "model.npz")
    (tmp_path / "config.json").write_text('{"model": "mlp", "hidden": "eight"}')
    with pytest.raises(serving.ModelLoadError, match=r"config.json: 'hidden' must be a list") as info:
        serving.load_predictor(tmp_path)
    assert str(tmp_path) in str(info.value) and "\n" not in str(info.value)
