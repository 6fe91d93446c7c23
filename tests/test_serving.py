"""seegrad.serving: the SageMaker-style HTTP contract, bad input, start-up errors, and one real server."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import seegrad
from seegrad import serving
from seegrad.export import export_onnx

pytest.importorskip("starlette")
pytest.importorskip("httpx")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette >= 1.x asks for httpx2; httpx works the same here
    from starlette.testclient import TestClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:  # --model-def test_serving:... in-process,
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # whatever pytest's import mode


def build_model():
    """The model definition the server imports with --model-def test_serving:build_model."""
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A model with its weights (nn.save) and its ONNX export, plus inputs and expected outputs."""
    folder = tmp_path_factory.mktemp("model")
    ag.manual_seed(0)
    model = build_model()
    nn.save(model.state_dict(), folder / "model.npz")
    export_onnx(model, ag.randn(2, 4), folder / "model.onnx")
    model.eval()
    x = ag.randn(5, 4)
    with ag.no_grad():
        expected = model(x).numpy()
    return {"dir": folder, "onnx": folder / "model.onnx", "npz": folder / "model.npz",
            "x": x.numpy(), "expected": expected}


@pytest.fixture(scope="module", params=["onnx", "npz"])
def client(request, saved):
    if request.param == "onnx":
        predictor = serving.load_predictor(saved["onnx"])
    else:
        predictor = serving.load_predictor(saved["npz"], model_def="test_serving:build_model")
    with TestClient(serving.create_app(predictor, max_body_bytes=4096)) as c:
        yield c


def test_ping_when_loaded(client):
    r = client.get("/ping")
    assert r.status_code == 200
    assert r.json()["input_shape"] == ["batch", 4]


def test_json_instances_give_the_framework_outputs(client, saved):
    r = client.post("/invocations", json={"instances": saved["x"].tolist()})
    assert r.status_code == 200, r.text
    body = r.json()
    np.testing.assert_allclose(np.asarray(body["outputs"], np.float32), saved["expected"], rtol=1e-5, atol=1e-6)
    probs = np.asarray(body["probabilities"])
    e = np.exp(saved["expected"] - saved["expected"].max(1, keepdims=True))
    np.testing.assert_allclose(probs, e / e.sum(1, keepdims=True), rtol=1e-4, atol=1e-6)
    assert body["predictions"] == saved["expected"].argmax(1).tolist()


def test_inputs_key_single_instance_and_csv(client, saved):
    x, expected = saved["x"], saved["expected"]
    r = client.post("/invocations", json={"inputs": x[:2].tolist()})
    np.testing.assert_allclose(r.json()["outputs"], expected[:2], rtol=1e-5, atol=1e-6)
    r = client.post("/invocations", json=x[3].tolist())  # one instance on its own
    np.testing.assert_allclose(r.json()["outputs"], expected[3:4], rtol=1e-5, atol=1e-6)
    csv_body = "\n".join(",".join(repr(float(v)) for v in row) for row in x) + "\n"
    r = client.post("/invocations", content=csv_body, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["outputs"], expected, rtol=1e-5, atol=1e-6)


BAD = [
    ("malformed json", b'{"instances": [[1, 2, 3, 4]', "application/json", 400, "malformed JSON"),
    ("wrong feature count", b'{"instances": [[1, 2, 3]]}', "application/json", 400, "3 numbers, expected 4"),
    ("non-number", b'{"instances": [[1, 2, "x", 4]]}', "application/json", 400, r'instances[0][2] is "x"'),
    ("bool", b'{"instances": [[1, 2, true, 4]]}', "application/json", 400, "not a number"),
    ("nan", b'{"instances": [[1, 2, NaN, 4]]}', "application/json", 400, "NaN or infinity"),
    ("infinity", b'{"instances": [[1, 2, 1e999, 4]]}', "application/json", 400, "NaN or infinity"),
    ("empty batch", b'{"instances": []}', "application/json", 400, "empty batch"),
    ("ragged", b'{"instances": [[1, 2, 3, 4], [1, 2]]}', "application/json", 400, "different shapes"),
    ("no instances key", b'{"rows": [[1, 2, 3, 4]]}', "application/json", 400, '"instances"'),
    ("csv header", b"a,b,c,d\n1,2,3,4\n", "text/csv", 400, "remove the header row"),
    ("csv short row", b"1,2,3,4\n1,2,3\n", "text/csv", 400, "row 2 has 3 values"),
    ("unsupported type", b"1 2 3 4", "text/plain", 415, "Content-Type"),
    ("oversized", b'{"instances": [' + b"[1, 2, 3, 4], " * 400 + b"[1, 2, 3, 4]]}", "application/json",
     413, "over the limit of 4096 bytes"),
]


@pytest.mark.parametrize("name, body, content_type, status, message", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_4xx_and_the_server_keeps_answering(client, saved, name, body, content_type,
                                                             status, message):
    r = client.post("/invocations", content=body, headers={"Content-Type": content_type})
    assert r.status_code == status, r.text
    answer = r.json()
    assert message in answer["error"]
    assert "4 numbers" in answer["expected"]  # says what shape is wanted
    good = client.post("/invocations", json={"instances": saved["x"].tolist()})
    assert good.status_code == 200
    np.testing.assert_allclose(good.json()["outputs"], saved["expected"], rtol=1e-5, atol=1e-6)


def test_deep_nesting_wrong_route_and_accept(client, saved):
    with pytest.raises(serving.BadRequest, match="malformed JSON|not a number|shape"):
        serving.parse_request(b"[" * 50000 + b"]" * 50000, "application/json", (4,))
    r = client.get("/invocations")
    assert r.status_code == 405 and "POST /invocations" in r.json()["error"]
    assert client.get("/nope").status_code == 404
    r = client.post("/invocations", json={"instances": saved["x"].tolist()}, headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_chunked_oversized_body_is_refused(client):
    def chunks():
        for _ in range(100):
            yield b"[1, 2, 3, 4], " * 10

    r = client.post("/invocations", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_model_failure_is_a_500_not_a_crash():
    class Broken:
        input_shape, task = (2,), "auto"

        def predict(self, x):
            raise FloatingPointError("boom")

        def describe(self):
            return {}

    with TestClient(serving.create_app(Broken())) as c:
        r = c.post("/invocations", json={"instances": [[1, 2]]})
        assert r.status_code == 500 and "boom" in r.json()["error"]
        assert c.get("/ping").status_code == 200


def test_regressor_answers_outputs_as_predictions():
    answer = serving.format_response(np.array([[0.5], [1.5]], np.float32))
    assert answer["predictions"] == [[0.5], [1.5]] and "probabilities" not in answer
    probs = serving.class_probabilities(np.log(np.array([[0.2, 0.8]])))  # log-probabilities
    np.testing.assert_allclose(probs, [[0.2, 0.8]], rtol=1e-6)


def test_corrupt_or_mismatched_model_fails_at_load(saved, tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07 this is not a protobuf" * 10)
    with pytest.raises(serving.ModelLoadError, match="cannot load ONNX model"):
        serving.load_predictor(bad)
    with pytest.raises(serving.ModelLoadError, match="does not exist"):
        serving.load_predictor(tmp_path / "missing.onnx")
    with pytest.raises(serving.ModelLoadError, match="--model-def"):
        serving.load_predictor(saved["npz"])
    with pytest.raises(serving.ModelLoadError, match="do not fit the model"):
        serving.load_predictor(saved["npz"], model_def="test_serving:_wrong_model")
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(saved["npz"].read_bytes()[:100])
    with pytest.raises(serving.ModelLoadError, match="cannot load weights"):
        serving.load_predictor(truncated, model_def="test_serving:build_model")


def _wrong_model():
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT, os.path.join(ROOT, "tests"), env.get("PYTHONPATH", "")])
    return env


def test_corrupt_model_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage" * 50)
    proc = subprocess.run([sys.executable, "-m", "seegrad.serving", "--model", str(bad), "--port", "1"],
                          capture_output=True, text=True, timeout=60, env=_env(), cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load ONNX model" in lines[0], proc.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_ping(url, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url}/ping did not answer within {timeout}s")


@pytest.mark.slow
def test_real_server_end_to_end(saved):
    """Start the command, wait for /ping, predict with the client helper, shut it down."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "seegrad.serving", "--model", str(saved["npz"]),
                             "--model-def", "test_serving:build_model", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    try:
        wait_for_ping(url, proc)
        got = serving.predict(url, saved["x"], timeout=10)
        np.testing.assert_array_equal(got, saved["expected"])  # JSON round-trips float32 exactly
        with pytest.raises(RuntimeError, match="server answered 400: .*3 numbers, expected 4"):
            serving.predict(url, saved["x"][:, :3], timeout=10)
        full = serving.predict(url + "/invocations", saved["x"][:1], timeout=10, full=True)
        assert full["predictions"] == [int(saved["expected"][0].argmax())]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode in (0, -15)


def test_seegrad_train_run_folder_is_served_and_exported(tmp_path, capsys):
    """A folder as `seegrad train` writes it (model.npz + config.json): serve it, export it, serve the export."""
    from seegrad.export import onnx as onnx_export

    ag.manual_seed(3)
    model = seegrad.models.build_mlp(64, 10, [16], None)
    nn.save(model.state_dict(), tmp_path / "model.npz")
    (tmp_path / "config.json").write_text(json.dumps({"dataset": "digits", "model": "mlp", "hidden": [16]}))
    x = ag.randn(3, 64)
    model.eval()
    with ag.no_grad():
        expected = model(x).numpy()
    native = serving.load_predictor(tmp_path)
    assert native.kind == "seegrad" and native.input_shape == (64,)
    np.testing.assert_array_equal(native.predict(x.numpy()), expected)

    assert onnx_export.main([str(tmp_path)]) == 0
    assert "max |difference|" in capsys.readouterr().out
    exported = serving.load_predictor(tmp_path)  # the folder now has model.onnx: that is served
    assert exported.kind == "onnx"
    np.testing.assert_allclose(exported.predict(x.numpy()), expected, rtol=1e-5, atol=1e-5)


def test_input_shape_read_from_unflatten(tmp_path):
    if not hasattr(seegrad, "models"):
        pytest.skip("no seegrad.models")
    ag.manual_seed(4)
    nn.save(seegrad.models.cnn1d().state_dict(), tmp_path / "cnn.npz")
    predictor = serving.load_predictor(tmp_path / "cnn.npz", model_def="seegrad.models:cnn1d")
    assert predictor.input_shape == (40,)
    assert predictor.predict(np.zeros((2, 40), np.float32)).shape == (2, 10)


def test_integer_inputs_for_an_embedding_model(tmp_path):
    if not hasattr(nn, "Embedding"):
        pytest.skip("no nn.Embedding")
    ag.manual_seed(5)
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 3))
    export_onnx(model, ag.randint(0, 10, (2, 3)), tmp_path / "emb.onnx")
    predictor = serving.load_predictor(tmp_path / "emb.onnx")
    assert predictor.dtype == np.int64 and predictor.input_shape == (3,)
    with TestClient(serving.create_app(predictor)) as c:
        ids = [[1, 2, 3], [9, 0, 4]]
        r = c.post("/invocations", json={"instances": ids})
        assert r.status_code == 200, r.text
        model.eval()
        with ag.no_grad():
            expected = model(ag.tensor(ids)).numpy()
        np.testing.assert_allclose(r.json()["outputs"], expected, rtol=1e-5, atol=1e-6)
        r = c.post("/invocations", json={"instances": [[1, 2.5, 3]]})
        assert r.status_code == 400 and "integers" in r.json()["error"]
