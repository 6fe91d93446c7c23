"""seegrad.serving: the SageMaker-style HTTP contract, bad input, start-up errors, and one real server."""
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import seegrad
from seegrad import serving, serving_limits
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
from server_helpers import free_port, server_env, stop_server, wait_for_ping  # noqa: E402


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


def test_corrupt_model_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"garbage" * 50)
    proc = subprocess.run([sys.executable, "-m", "seegrad.serving", "--model", str(bad), "--port", "1"],
                          capture_output=True, text=True, timeout=60, env=server_env(), cwd=ROOT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load ONNX model" in lines[0], proc.stderr


@pytest.mark.slow
def test_real_server_end_to_end(saved):
    """Start the command, wait for /ping, predict with the client helper, shut it down."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "seegrad.serving", "--model", str(saved["npz"]),
                             "--model-def", "test_serving:build_model", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=server_env(), cwd=ROOT)
    try:
        wait_for_ping(url, proc)
        got = serving.predict(url, saved["x"], timeout=10)
        np.testing.assert_array_equal(got, saved["expected"])  # JSON round-trips float32 exactly
        with pytest.raises(RuntimeError, match="server answered 400: .*3 numbers, expected 4"):
            serving.predict(url, saved["x"][:, :3], timeout=10)
        full = serving.predict(url + "/invocations", saved["x"][:1], timeout=10, full=True)
        assert full["predictions"] == [int(saved["expected"][0].argmax())]
    finally:
        stop_server(proc)
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


# --------------------------------------------------------------------------- every error JSON, non-finite models


def _ones_linear(tmp_path):
    """nn.Linear(4, 2) with every weight 1 and bias 0, saved as .npz and exported as .onnx."""
    model = nn.Linear(4, 2)
    with ag.no_grad():
        model.weight.fill_(1.0)
        model.bias.fill_(0.0)
    nn.save(model.state_dict(), tmp_path / "ones.npz")
    export_onnx(model, ag.randn(2, 4), tmp_path / "ones.onnx")
    return model


def ones_linear():
    return nn.Linear(4, 2)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("backend", ["npz", "onnx"])
def test_outputs_that_overflow_answer_500_json_naming_it(tmp_path, backend):
    """3e38 is a finite float32 input, but four of them summed overflow: no answer, not an inf."""
    _ones_linear(tmp_path)
    predictor = serving.load_predictor(tmp_path / f"ones.{backend}",
                                       model_def="test_serving:ones_linear" if backend == "npz" else None)
    with TestClient(serving.create_app(predictor)) as c:
        r = c.post("/invocations", json={"instances": [[1, 2, 3, 4], [3e38, 3e38, 3e38, 3e38]]})
        assert r.status_code == 500 and r.headers["content-type"] == "application/json"
        answer = r.json()
        assert "the model's output is not finite" in answer["error"] and "instance 1 output [0] is inf" \
            in answer["error"] and "3e+38" in answer["error"] and "4 numbers" in answer["expected"]
        r = c.post("/invocations", json={"instances": [[1, 2, 3, 4]]})
        assert r.status_code == 200 and r.json()["outputs"] == [[10.0, 10.0]]


def test_a_model_answering_nan_gets_500_json():
    class NaNModel:
        input_shape, task = (2,), "auto"

        def predict(self, x):
            return np.array([[0.5, np.nan]] * len(x), np.float32)

        def describe(self):
            return {}

    with TestClient(serving.create_app(NaNModel())) as c:
        r = c.post("/invocations", content=b"1,2\n3,4\n", headers={"Content-Type": "text/csv"})
        assert r.status_code == 500 and "instance 0 output [1] is nan" in r.json()["error"]
        assert "2 numbers" in r.json()["expected"]


@pytest.mark.parametrize("backend", ["npz", "onnx"])
def test_non_finite_weights_are_refused_at_load(tmp_path, backend):
    model = _ones_linear(tmp_path)
    with ag.no_grad():
        model.bias.fill_(float("inf"))
    path = tmp_path / f"inf.{backend}"
    if backend == "npz":
        nn.save(model.state_dict(), path)
    else:
        export_onnx(model, ag.randn(2, 4), path)
    message = r"inf\.%s'.*holds 2 of 2 values that are not finite" % backend
    with pytest.raises(serving.ModelLoadError, match=message):
        serving.load_predictor(path, model_def="test_serving:ones_linear" if backend == "npz" else None)


def test_every_error_answer_is_json_with_error_and_expected(client):
    answers = [client.get("/nope"), client.post("/nope"), client.get("/invocations"), client.put("/ping"),
               client.post("/invocations", json=[[1, 2, 3, 4]], headers={"Accept": "text/html"}),
               client.post("/invocations", content=b"{}", headers={"Content-Type": "application/xml"}),
               client.post("/invocations", content=b"[" * 5000, headers={"Content-Type": "application/json"})]
    assert [r.status_code for r in answers] == [404, 404, 405, 405, 406, 415, 413]
    for r in answers:
        assert r.headers["content-type"] == "application/json" and r.json()["error"]
        assert "4 numbers" in r.json()["expected"]


# --------------------------------------------------------------------------- what counts as a number

CSV_REFUSED = [
    (b"1_0,2,3,4\n", "'1_0' is not a number"),  # float("1_0") == 10.0
    ("\u0661\u0662,2,3,4\n".encode(), "is not a number"),  # Arabic-Indic digits: float() reads 12.0
    ("\uff11\uff12,2,3,4\n".encode(), "is not a number"),  # fullwidth digits
    ("1,2,3,\u0664\n".encode(), "column 4"),
    (b"1,2,3,0x10\n", "'0x10' is not a number"),
    (b"1,2,3, 4 5\n", "'4 5' is not a number"),
    (b"1,2,3,nan\n", "'nan' is not finite"),
    (b"1,2,3,-Infinity\n", "is not finite"),
    (b"1,2,3,4,\n", "row 1, column 5: '' is not a number"),
    (b'1,2,3,"4\n', "'\"4' is not a number"),
    (b"1,2,3,4\n5,6,7\n", "CSV row 2 has 3 values, expected 4"),
    (b"1,2,3," + b"5" * 131073 + b"\n", "column 4 is 131073 bytes long, over the limit of 131072 bytes"),
    (b"1,2,3,4e39\n", "too large for float32"),
    (b"\n \n\r\n", "empty batch"),
]


@pytest.mark.parametrize("body, message", CSV_REFUSED, ids=[repr(b[0][:12]) for b in CSV_REFUSED])
def test_csv_cells_are_plain_ascii_decimals(body, message):
    with pytest.raises(serving.BadRequest, match=re.escape(message)) as info:
        serving.parse_request(body, "text/csv", (4,))
    assert info.value.status == 400


def test_csv_forms_that_are_read():
    body = b'\xef\xbb\xbf1,+2,.5,"4"\r\n\r\n  \n-1e2, 2. ,3E-1,\t4\n0,0,0,0'
    batch = serving.parse_request(body, "text/csv", (2, 2))
    np.testing.assert_array_equal(batch, np.array([[1, 2, 0.5, 4], [-100, 2, 0.3, 4], [0, 0, 0, 0]],
                                                  np.float32).reshape(3, 2, 2))


JSON_REFUSED = [
    (b'{"instances": [["1_0", 2, 3, 4]]}', 'instances[0][0] is "1_0", not a number'),
    ('{"instances": [[1, 2, 3, "\u0664"]]}'.encode(), 'instances[0][3] is "\\u0664", not a number'),
    (b'{"instances": [[1, 2, 3, "4"]]}', 'instances[0][3] is "4", not a number'),
    (b'{"instances": [[1, 2, 3, +4]]}', "malformed JSON"),
    (b'{"instances": [[1, 2, 3, .5]]}', "malformed JSON"),
    (b'{"instances": [[1, 2, 3, 4],]}', "malformed JSON"),
    (b'{"instances": [[1, 2, 3, 4]]]}', "malformed JSON"),
    (b'{"instances": [[1, 2, 3, 4], [1, 2, [3], 4]]}', "different shapes"),
    (b'{"instances": [[1, 2, 3, 4], [5, 6, 7, 8, 9]]}', "different shapes"),
    (b'{"instances": [[1, 2, 3, ' + b"1" * 400 + b"]]}", "too large"),
    (b'{"instances": [[1, 2, 3, 1e39]]}', "instance 0 has 1e+39 at position [3], too large for float32"),
    (b'{"instances": [[1, 2, 3, -1e999]]}', "instance 0 has -inf at position [3]; only finite numbers"),
    (b'{"instances": [[1, 2, 3, NaN]]}', "instance 0 has nan at position [3]; only finite numbers"),
]


@pytest.mark.parametrize("body, message", JSON_REFUSED, ids=[repr(b[0][15:40]) for b in JSON_REFUSED])
def test_json_numbers_are_json_numbers(body, message):
    with pytest.raises(serving.BadRequest, match=re.escape(message)):
        serving.parse_request(body, "application/json", (4,))


@pytest.mark.parametrize("shape", [(4,), (2, 3), (1, 2, 2)])
def test_json_batches_read_as_json_loads_reads_them(shape):
    """Every layout the server reads (wrapped or bare, nested or flat rows, one instance, pretty
    printed, 2000 instances spanning several 64 KiB pieces) gives json.loads' numbers in float32."""
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal((2000,) + shape) * 10.0 ** rng.integers(-8, 8, (2000,) + shape)).astype(np.float32)
    bodies = [json.dumps({"instances": x.tolist()}), json.dumps({"inputs": x.reshape(2000, -1).tolist()}),
              json.dumps(x[:3].tolist(), indent=2), json.dumps(x[:3].reshape(3, -1).tolist()),
              " \n" + json.dumps({"instances": x[0].tolist()}) + "\n", json.dumps(x[0].tolist())]
    for text in bodies:
        expected = np.asarray(json.loads(text)["instances" if "instances" in text else "inputs"]
                              if text.lstrip().startswith("{") else json.loads(text), np.float32)
        got = serving.parse_request(text.encode(), "application/json", shape)
        assert got.shape[1:] == shape and got.dtype == np.float32
        np.testing.assert_array_equal(got.reshape(expected.shape), expected)


def test_json_with_other_keys_or_ids_still_reads():
    body = b'{"instances": [[1, 2, 3]], "config": {"k": 5}}'
    got = serving.parse_request(body, "application/json", (3,), np.int64)
    assert got.dtype == np.int64 and got.tolist() == [[1, 2, 3]]
    got = serving.parse_request(b'{"inputs": [[7, 8, 9]], "instances": [[1, 2, 3]]}', "application/json", (3,))
    assert got.tolist() == [[1, 2, 3]]  # "instances" comes first, as before


# --------------------------------------------------------------------------- the limits' flags


def test_limit_flags_default_to_environment_variables(monkeypatch):
    limits = serving_limits.from_args(serving.build_parser().parse_args([]))
    assert limits == serving_limits.Limits(6 * 1024 * 1024, 32, 10.0, 30.0)
    monkeypatch.setenv("SAGEMAKER_MAX_PAYLOAD_IN_MB", "20")
    monkeypatch.setenv("SEEGRAD_MAX_CONCURRENT_REQUESTS", "8")
    monkeypatch.setenv("SEEGRAD_HEADER_TIMEOUT", "2.5")
    limits = serving_limits.from_args(serving.build_parser().parse_args(["--body-timeout", "7"]))
    assert limits == serving_limits.Limits(20 * 1024 * 1024, 8, 2.5, 7.0)
    monkeypatch.setenv("SEEGRAD_MAX_BODY_BYTES", "1000")
    assert serving.build_parser().parse_args([]).max_body_bytes == 1000  # seegrad's own variable first


@pytest.mark.parametrize("argv, env, message", [
    (["--body-timeout", "0"], {}, "--body-timeout (or $SEEGRAD_BODY_TIMEOUT) must be a positive number, got '0'"),
    (["--header-timeout", "nan"], {}, "must be a positive number, got 'nan'"),
    ([], {"SEEGRAD_MAX_CONCURRENT_REQUESTS": "many"},
     "$SEEGRAD_MAX_CONCURRENT_REQUESTS) must be a positive whole"),
    (["--max-body-bytes", "-5"], {}, "--max-body-bytes (or $SEEGRAD_MAX_BODY_BYTES) must be a positive whole"),
])
def test_bad_limit_flags_are_refused(monkeypatch, capsys, argv, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        serving.build_parser().parse_args(argv)
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_an_exporters_non_finite_fill_is_not_taken_for_a_diverged_weight(tmp_path):
    """A max pooling with ceil_mode exports a -inf padding (one value): the model is served, not refused."""
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(8, 2))
    path = tmp_path / "pool.onnx"
    export_onnx(model, ag.randn(2, 1, 6, 6), path)
    predictor = serving.load_predictor(path)
    x = np.random.default_rng(0).standard_normal((3, 1, 6, 6)).astype(np.float32)
    with ag.no_grad():
        expected = model(ag.tensor(x)).numpy()
    np.testing.assert_allclose(predictor.predict(x), expected, rtol=1e-5, atol=1e-6)
