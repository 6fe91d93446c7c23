"""Serve a trained model over HTTP, speaking SageMaker's bring-your-own-container contract.

    seegrad-serve --model model.onnx --port 8080                     # an ONNX file (onnxruntime)
    seegrad-serve --model out/model.npz --model-def mymodels:build   # nn.save weights + code

    GET  /ping          200 once the model is loaded
    POST /invocations   application/json {"instances": [[...], ...]} (or {"inputs": ...}, or a bare
                        list), or text/csv rows  ->  {"outputs": ..., "predictions": ...,
                        "probabilities": ... (classifiers)}

The server is a Starlette app under uvicorn. Requests are parsed and checked in
``seegrad.serving_requests``; anything wrong with one (malformed JSON, wrong feature count,
non-numbers, NaN, an empty batch, a body over the limit) gets a 4xx answer with a JSON ``error``
saying what was wrong and the shape ``expected``, and the next request is answered as usual. Every
request is bounded in size, time and number at once (``seegrad.serving_limits``). A model whose
weights are not finite is refused at load; an answer that would not be finite is a 500 instead.
``predict(url, x)`` is the client, like SageMaker's ``predictor.predict``. Needs the ``serve`` extra
(starlette, uvicorn; httpx for tests), and the ``onnx`` extra to serve ONNX files.
"""
import argparse
import importlib
import json
import os
import sys
import threading
import urllib.error
import urllib.request

import numpy as np

import autograd as ag
import nn

from . import serving_limits
from .models import RUN_CONFIG, RunConfigError, build_from_run_config, load_run_config
from .serving_limits import Limits
from .serving_requests import BadRequest, expected_format, parse_request  # noqa: F401 (public here too)
from .training import output_activation

DEFAULT_PORT = 8080  # SageMaker sends traffic to port 8080
DEFAULT_MAX_BODY = Limits.max_body_bytes  # SageMaker's own payload limit for real-time endpoints: 6 MB
SAGEMAKER_MODEL_DIR = "/opt/ml/model"


class ModelLoadError(RuntimeError):
    """The model file could not be loaded (the message is one line, fit for a start-up error)."""


# --------------------------------------------------------------------------- models


class Predictor:
    """A model as the server sees it: ``predict(x)`` maps a batch (B, *input_shape) of ``dtype``
    (float32 mostly; int64 for token ids) to a numpy array (B, ...). ``task`` is "classifier" (one
    score per class: the answer adds class probabilities and the predicted class), "regressor"
    (the outputs as they are) or "auto" (decided from the output's shape). ``output_activation``
    is the model's last layer when it makes probabilities ("sigmoid", "softmax", "log_softmax"),
    None for raw scores: it tells a one-output classifier's probability from its logit."""

    def __init__(self, fn, input_shape, name, task="auto", kind="model", dtype=np.float32, output_activation=None):
        self._fn = fn
        self.dtype = np.dtype(dtype)
        self.input_shape = tuple(int(n) for n in input_shape)
        self.n_features = int(np.prod(self.input_shape)) if self.input_shape else 1
        self.name = name
        self.kind = kind
        self.task = task
        self.output_activation = output_activation

    def predict(self, x):
        x = np.ascontiguousarray(x, dtype=self.dtype)
        out = np.asarray(self._fn(x))
        if out.ndim == 0 or out.shape[0] != x.shape[0]:
            raise RuntimeError(f"the model returned shape {out.shape} for a batch of {x.shape[0]}")
        return out

    def describe(self):
        return {"model": self.name, "format": self.kind, "input_shape": ["batch", *self.input_shape],
                "task": self.task}


def load_onnx(path, task="auto", threads=1):
    """A Predictor running an ONNX file in onnxruntime (any batch size the graph allows).
    ``threads``: onnxruntime's intra-op threads per request (1 suits a server answering many
    small requests at once; 0 lets onnxruntime use every core for each request)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelLoadError("serving an .onnx file needs onnxruntime: pip install 'seegrad[onnx]'") from None
    try:
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads)
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own Fail / InvalidProtobuf / NoSuchFile
        raise ModelLoadError(f"cannot load ONNX model {path!r}: {one_line(err)}") from None
    inputs = session.get_inputs()
    if len(inputs) != 1:
        raise ModelLoadError(f"{path!r} has {len(inputs)} inputs; the server handles models with one input")
    feature_dims = inputs[0].shape[1:]
    if not all(isinstance(n, int) for n in feature_dims):
        raise ModelLoadError(f"{path!r}: input {inputs[0].name!r} has shape {inputs[0].shape}; "
                             "only the batch dim (the first) may be symbolic")
    input_name = inputs[0].name
    types = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
             "tensor(int32)": np.int32}
    if inputs[0].type not in types:
        raise ModelLoadError(f"{path!r}: input {input_name!r} is a {inputs[0].type}; the server sends "
                             f"one of {sorted(types)}")

    refuse_non_finite(_onnx_weights(path), path)

    def run(x):
        return session.run(None, {input_name: x})[0]

    return Predictor(run, feature_dims, os.path.basename(str(path)), _task(task), kind="onnx",
                     dtype=types[inputs[0].type], output_activation=_onnx_output_activation(session, path))


def _onnx_output_activation(session, path):
    """What seegrad-export wrote in the file's metadata; for other files, the op that makes the
    output when onnx is installed to read the graph; else None."""
    declared = session.get_modelmeta().custom_metadata_map.get("output_activation")
    if declared is not None:
        return declared or None
    try:
        import onnx
        graph = onnx.load(str(path), load_external_data=False).graph
    except Exception:  # no onnx, or a file it cannot read: nothing known
        return None
    from .export.onnx.graph import output_activation as graph_output_activation

    return graph_output_activation(graph.node, graph.output[0].name)


def load_module(path, model_def=None, input_shape=None, task="auto"):
    """A Predictor running an ``nn.Module`` in eval mode under no_grad (see ``load_model``)."""
    model, input_shape = load_model(path, model_def, input_shape)
    lock = threading.Lock()  # grad mode is process-wide, so one forward pass at a time

    def run(x):
        with lock, ag.no_grad():
            return model(ag.from_numpy(x)).numpy()

    first = next((m for m in model.modules() if not list(m.children())), None)
    params = list(model.parameters())
    dtype = np.int64 if isinstance(first, nn.Embedding) else (params[0].dtype if params else np.float32)
    return Predictor(run, input_shape, os.path.basename(str(path)), _task(task), kind="seegrad", dtype=dtype,
                     output_activation=output_activation(model))


def load_model(path, model_def=None, input_shape=None):
    """(model, input_shape) from weights written by ``nn.save(model.state_dict(), path)``.

    The model comes from ``model_def`` ("package.module:function" returning the Module), or, when
    that is None, from the ``config.json`` that ``seegrad train`` writes next to ``model.npz``."""
    path = str(path)
    try:
        state = nn.load(path)
    except Exception as err:
        raise ModelLoadError(f"cannot load weights {path!r}: {one_line(err)}") from None
    if not isinstance(state, dict):
        raise ModelLoadError(f"{path!r} holds a {type(state).__name__}, not a state dict")
    if isinstance(state.get("model"), dict):  # a training checkpoint: take its model
        state = state["model"]
    if model_def is not None:
        model, source = build_model(model_def), repr(model_def)
    else:
        (model, config_shape), source = model_from_run_config(path, state), RUN_CONFIG
        input_shape = input_shape or config_shape
    try:
        model.load_state_dict(state)
    except Exception as err:
        raise ModelLoadError(f"weights {path!r} do not fit the model from {source}: {one_line(err)}") from None
    model.eval()
    refuse_non_finite(((name, t.numpy()) for name, t in model.state_dict().items()), path)
    if input_shape is None:
        input_shape = _infer_input_shape(model)
        if input_shape is None:
            raise ModelLoadError(f"cannot tell the input shape of the model from {source} (its first layer "
                                 "is not nn.Linear); pass --input-shape, e.g. --input-shape 1,28,28")
    return model, tuple(input_shape)


def refuse_non_finite(weights, path):
    """ModelLoadError naming the first of ``weights`` ((name, array) pairs) holding NaN or infinity:
    such a model answers NaN whatever it is sent, so the server does not start with it."""
    for name, value in weights:
        value = np.asarray(value)
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            bad = int(value.size - np.isfinite(value).sum())
            raise ModelLoadError(f"{path!r}: weight {name!r} holds {bad} of {value.size} values that are not "
                                 "finite (NaN or infinity), so every answer would be NaN; retrain the model or "
                                 "serve another file")


def _onnx_weights(path):
    """(name, array) of an ONNX file's initializers and Constant nodes of more than one value (nothing without
    the onnx package): a single value is a fill, not a weight (an exporter's -inf for a mask or a padding, nan
    where PyTorch gives nan), and a model whose training diverged has its weight matrices non-finite too."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return
    graph = onnx.load(str(path)).graph
    for init in graph.initializer:
        value = numpy_helper.to_array(init)
        if value.size > 1:
            yield init.name, value
    for node in graph.node:
        for attr in node.attribute if node.op_type == "Constant" else ():
            value = numpy_helper.to_array(attr.t) if attr.type == onnx.AttributeProto.TENSOR else None
            if value is not None and value.size > 1:
                yield f"{node.name or node.output[0]} (Constant)", value


def model_from_run_config(weights_path, state):
    """(model, input_shape) of a ``seegrad train`` run, rebuilt from the config.json next to its
    weights (``seegrad.models.load_run_config``); input_shape is None when the config doesn't say."""
    folder = os.path.dirname(os.path.abspath(weights_path))
    config_path = os.path.join(folder, RUN_CONFIG)
    if not os.path.isfile(config_path):
        raise ModelLoadError(f"{weights_path!r} holds weights only; pass --model-def package.module:function "
                             "(which returns the nn.Module), or keep the config.json of its seegrad train run "
                             "next to it")
    try:
        config = load_run_config(folder)
        model = build_from_run_config(config, state)
    except RunConfigError as err:
        raise ModelLoadError(str(err)) from None
    except Exception as err:
        raise ModelLoadError(f"cannot rebuild the model from {config_path!r}: {one_line(err)}") from None
    in_features = config.get("in_features")
    return model, ((in_features,) if in_features else None)


def build_model(model_def):
    """Import "package.module:function" and call it (a Module class works too) to get the model."""
    module_name, _, attr = str(model_def).partition(":")
    if not module_name or not attr:
        raise ModelLoadError(f"--model-def must look like 'package.module:function', got {model_def!r}")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise ModelLoadError(f"cannot import the model definition {model_def!r}: {one_line(err)}") from None
    model = factory() if callable(factory) and not isinstance(factory, nn.Module) else factory
    if not isinstance(model, nn.Module):
        raise ModelLoadError(f"{model_def!r} returned {type(model).__name__}, not an nn.Module")
    return model


def load_predictor(path, model_def=None, input_shape=None, task="auto", threads=1):
    """Load what ``path`` holds: an ONNX file, or nn.save weights (with ``model_def``, or the
    config.json of a ``seegrad train`` run beside them). A run folder gives its model.onnx if it
    has one, else its model.npz."""
    path = str(path)
    if os.path.isdir(path):
        for name in ("model.onnx", "model.npz"):
            if os.path.isfile(os.path.join(path, name)):
                path = os.path.join(path, name)
                break
        else:
            raise ModelLoadError(f"folder {path!r} has neither model.onnx nor model.npz")
    if not os.path.isfile(path):
        raise ModelLoadError(f"model file {path!r} does not exist")
    if model_def is None and _looks_like_onnx(path):
        return load_onnx(path, task, threads)
    return load_module(path, model_def, input_shape, task)


def _looks_like_onnx(path):
    if path.endswith(".onnx"):
        return True
    with open(path, "rb") as f:
        return f.read(2) != b"PK"  # .npz / safetensors-in-zip start with PK; anything else: try ONNX


def _infer_input_shape(model):
    """The shape of one instance, read off the first layer when it says (Linear, Unflatten(1, ...))."""
    for m in model.modules():
        if hasattr(m, "in_features") and hasattr(m, "out_features"):
            return (int(m.in_features),)
        if isinstance(m, nn.Unflatten) and getattr(m, "dim", None) == 1:
            return (int(np.prod(m.unflattened_size)),)
        if not isinstance(m, (nn.Sequential, nn.Flatten, nn.Identity, nn.Dropout)) and list(m.children()) == []:
            return None  # the first leaf layer isn't Linear: its input shape can't be read off
    return None


def _task(task):
    if task not in ("auto", "classifier", "regressor"):
        raise ModelLoadError(f"--task must be auto, classifier or regressor, got {task!r}")
    return task


def one_line(err):
    """An error as one line of at most ~400 characters (for start-up errors and JSON answers)."""
    text = " ".join(str(err).split())
    return (text[:400] + "...") if len(text) > 400 else (text or type(err).__name__)


# --------------------------------------------------------------------------- requests


BINARY_THRESHOLD = 0.5  # a one-output classifier answers class 1 where P(class 1) > 0.5 (Keras' rule too)


def format_response(outputs, task="auto", output_activation=None):
    """The JSON answer: raw ``outputs`` always; for a classifier also ``probabilities`` (one row of
    class probabilities per instance) and the predicted class in ``predictions``; for a regressor
    ``predictions`` are the outputs.

    A one-output classifier (outputs (B,) or (B, 1)) is binary: its output is P(class 1) when
    ``output_activation`` is "sigmoid", else a logit, which a sigmoid turns into P(class 1). Its
    ``probabilities`` are [P(0), P(1)], its ``predictions`` 1 where P(1) > ``threshold`` (0.5), and
    the answer states the ``threshold``. With task "auto", a one-output model whose last layer is a
    sigmoid is a classifier; other one-output models are regressors."""
    outputs = np.asarray(outputs)
    binary = outputs.ndim == 1 or (outputs.ndim == 2 and outputs.shape[1] == 1)
    is_classifier = task == "classifier" or (task == "auto" and (
        (outputs.ndim == 2 and outputs.shape[1] >= 2) or (binary and output_activation == "sigmoid")))
    answer = {"outputs": outputs.tolist()}
    if not is_classifier:
        answer["predictions"] = answer["outputs"]
        return answer
    if binary:
        p1 = binary_probability(outputs.reshape(len(outputs)), output_activation)
        answer["probabilities"] = np.stack([1 - p1, p1], axis=1).tolist()
        answer["predictions"] = (p1 > BINARY_THRESHOLD).astype(np.int64).tolist()
        answer["threshold"] = BINARY_THRESHOLD
        return answer
    answer["probabilities"] = class_probabilities(outputs, output_activation).tolist()
    answer["predictions"] = outputs.argmax(axis=-1).tolist()
    return answer


def binary_probability(outputs, output_activation=None):
    """P(class 1) of a one-output classifier: the output itself after a sigmoid layer, else
    sigmoid(output) of a logit."""
    out = np.asarray(outputs, dtype=np.float64)
    if output_activation == "sigmoid":
        return out.astype(np.float32)
    return (0.5 + 0.5 * np.tanh(0.5 * out)).astype(np.float32)  # sigmoid, without overflow


def class_probabilities(outputs, output_activation=None):
    """Class probabilities per row: a softmax layer's rows stay, log_softmax's are exponentiated;
    unknown rows that already are probabilities stay, log-probabilities are exponentiated, and
    logits get a softmax."""
    out = np.asarray(outputs, dtype=np.float64)
    if output_activation == "softmax":
        return out.astype(np.float32)
    if output_activation == "log_softmax":
        return np.exp(out).astype(np.float32)
    if (out >= 0).all() and np.allclose(out.sum(-1), 1, atol=1e-4):
        return out.astype(np.float32)
    if (out <= 0).all() and np.allclose(np.exp(out).sum(-1), 1, atol=1e-4):
        return np.exp(out).astype(np.float32)
    e = np.exp(out - out.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


# --------------------------------------------------------------------------- the app


class ModelOutputError(RuntimeError):
    """The model's output for a request is not finite (the answer would be wrong, so none is given)."""


def check_outputs(outputs, x):
    """ModelOutputError unless every output is finite, naming the first that is not."""
    outputs = np.asarray(outputs)
    if outputs.dtype.kind not in "fc":
        return
    finite = np.isfinite(outputs)
    if finite.all():
        return
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmin(finite)), outputs.shape))
    largest = float(np.abs(x).max()) if np.size(x) else 0.0
    raise ModelOutputError(f"the model's output is not finite for this input: instance {idx[0]} output "
                           f"{list(idx[1:])} is {outputs[idx]} (largest |input| {largest:.3g}); inputs this "
                           "large overflow in the model, or its weights are not finite; no answer rather than "
                           "a wrong one")


def create_app(predictor, max_body_bytes=DEFAULT_MAX_BODY, limits=None):
    """The Starlette app around ``predictor`` (a Predictor, or any object with predict(),
    input_shape, task and describe()). ``limits`` (a serving_limits.Limits; default: 6 MiB bodies or
    ``max_body_bytes``) bounds each request; the header timeout is the ASGI server's part
    (``seegrad-serve`` runs uvicorn with ``serving_limits.protocol``)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import ClientDisconnect
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    limits = limits or Limits(max_body_bytes=max_body_bytes)
    input_shape = tuple(predictor.input_shape)
    expected = expected_format(input_shape)

    def error(message, status, headers=None):
        return JSONResponse({"error": message, "expected": expected}, status_code=status, headers=headers)

    async def ping(request):
        return JSONResponse({"status": "ok", **predictor.describe()})

    def answer(body, content_type):
        x = parse_request(body, content_type, input_shape, getattr(predictor, "dtype", np.float32))
        outputs = predictor.predict(x)
        check_outputs(outputs, x)
        return format_response(outputs, predictor.task, getattr(predictor, "output_activation", None))

    async def invocations(request):
        accept = request.headers.get("accept", "application/json")
        if not any(a in accept for a in ("application/json", "*/*", "application/*")):
            return error(f"can only answer application/json, but Accept is {accept!r}", 406)
        try:
            body = await serving_limits.read_body(request, limits)
            result = await run_in_threadpool(answer, body, request.headers.get("content-type"))
        except BadRequest as err:  # 408: the rest of the body may never come, so close the connection
            return error(str(err), err.status, {"connection": "close"} if err.status == 408 else None)
        except ClientDisconnect:
            return error("the client closed the connection before sending the whole body", 400)
        except ModelOutputError as err:
            return error(str(err), 500)
        except Exception as err:  # the model itself failed: say so, keep serving
            return error(f"the model failed on this input: {one_line(err)}", 500)
        return JSONResponse(result)

    async def http_error(request, exc):  # 404, 405...: JSON like every other answer
        return error(f"{request.method} {request.url.path}: {exc.detail}; this server answers GET /ping and "
                     "POST /invocations", exc.status_code)

    async def server_error(request, exc):  # a bug of the server's own: still JSON
        return error(f"internal server error: {one_line(exc)}", 500)

    routes = [Route("/ping", ping, methods=["GET"]),
              Route("/invocations", invocations, methods=["POST"])]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error},
                    middleware=[Middleware(serving_limits.Guard, limits=limits, expected=expected)])
    app.state.predictor = predictor
    app.state.limits = limits
    return app


# --------------------------------------------------------------------------- the client


def predict(url, x, timeout=30.0, full=False):
    """POST ``x`` (array-like, (B, ...) or one instance) to a running server and return its
    ``outputs`` as a float32 numpy array (``full=True``: the whole JSON answer as a dict).
    ``url`` is the server ("http://127.0.0.1:8080") or its /invocations address. Raises
    RuntimeError with the server's error message on a 4xx/5xx answer."""
    url = url.rstrip("/")
    if not url.endswith("/invocations"):
        url += "/invocations"
    data = np.asarray(x)
    data = data if data.dtype.kind in "iu" else data.astype(np.float32)  # ids stay integers
    body = json.dumps({"instances": data.tolist()}).encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = json.loads(resp.read())
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail)["error"]
        except (ValueError, KeyError, TypeError):
            pass
        raise RuntimeError(f"server answered {err.code}: {detail}") from None
    return answer if full else np.asarray(answer["outputs"], dtype=np.float32)


# --------------------------------------------------------------------------- the command


def parse_shape(text):
    """The --input-shape of seegrad-serve and seegrad-export: "1,28,28" (or "1x28x28") -> (1, 28, 28)."""
    try:
        shape = tuple(int(n) for n in text.replace("x", ",").split(",") if n.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input-shape must be numbers like 1,28,28, got {text!r}") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"--input-shape must be positive numbers like 1,28,28, got {text!r}")
    return shape


def _default_model():
    env = os.environ.get("SEEGRAD_MODEL")
    if env:
        return env
    return SAGEMAKER_MODEL_DIR if os.path.isdir(SAGEMAKER_MODEL_DIR) else None  # where SageMaker unpacks it


def build_parser():
    p = argparse.ArgumentParser(
        prog="seegrad-serve", description="Serve a model over HTTP (SageMaker container contract: "
        "GET /ping, POST /invocations).")
    p.add_argument("mode", nargs="?", choices=["serve"], help="ignored; SageMaker starts containers with 'serve'")
    p.add_argument("--model", default=_default_model(),
                   help="an .onnx file, nn.save weights (with --model-def, or the config.json of a seegrad "
                        "train run beside them), or a folder holding model.onnx or model.npz; default "
                        "$SEEGRAD_MODEL or /opt/ml/model")
    p.add_argument("--model-def", default=os.environ.get("SEEGRAD_MODEL_DEF"),
                   help="package.module:function returning the nn.Module the weights belong to")
    p.add_argument("--input-shape", type=parse_shape, default=None,
                   help="shape of one instance, e.g. 784 or 1,28,28 (read from the model when possible)")
    p.add_argument("--task", default="auto", choices=["auto", "classifier", "regressor"],
                   help="classifier: answers add class probabilities; auto: 2-D outputs with >= 2 "
                        "columns are taken as class scores")
    p.add_argument("--threads", type=int, default=1,
                   help="onnxruntime threads per request (default 1; 0: all cores)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="numpy's BLAS threads (default 1: requests run side by side, and BLAS threads "
                        "spinning against each other made small models ~20x slower on a busy 2-core machine; "
                        "needs threadpoolctl, else set OPENBLAS_NUM_THREADS)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 inside a container)")
    p.add_argument("--port", type=int, default=int(os.environ.get("SAGEMAKER_BIND_TO_PORT", DEFAULT_PORT)))
    serving_limits.add_arguments(p)
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--no-access-log", action="store_true", help="don't log every request")
    return p


def limit_blas_threads(n):
    """Cap numpy's BLAS thread pool at ``n`` (0: leave it); True if it was capped."""
    if not n:
        return False
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(int(n))
    return True


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.model is None:
        print("seegrad-serve: error: no model given; pass --model model.onnx", file=sys.stderr)
        return 2
    try:
        predictor = load_predictor(args.model, args.model_def, args.input_shape, args.task, args.threads)
    except ModelLoadError as err:
        print(f"seegrad-serve: error: {err}", file=sys.stderr)
        return 2
    try:
        import uvicorn
    except ImportError:
        print("seegrad-serve: error: serving needs uvicorn and starlette: pip install 'seegrad[serve]'",
              file=sys.stderr)
        return 2
    limit_blas_threads(args.blas_threads)
    serving_limits.return_freed_memory()
    limits = serving_limits.from_args(args)
    app = create_app(predictor, limits=limits)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=not args.no_access_log,
                http=serving_limits.protocol(limits, expected_format(predictor.input_shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
