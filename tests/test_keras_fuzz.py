"""seegrad.keras against Keras 3 (torch backend), by random programs drawn by hypothesis.

1. Layer configurations: a small functional model around one or a few layers with drawn settings
   (Dense, Conv1D/2D, pooling, BatchNormalization, LayerNormalization, Dropout at inference,
   SimpleRNN/GRU/LSTM with masking, Embedding, Reshape/Flatten/Permute, Concatenate/Add),
   built in both libraries from the same weights: predict() must agree, then one epoch of fit
   (shuffle=False) must give the same history and the same weights.
2. The compile/fit options a learner uses: optimizers and learning-rate schedules, losses
   (from_logits, sparse or one-hot, label_smoothing), metrics by name and by object, class_weight,
   sample_weight, validation_split, a batch size that does not divide the data, callbacks
   (EarlyStopping(restore_best_weights), ReduceLROnPlateau, LearningRateScheduler): the History,
   evaluate() and predict() must agree.

A configuration Keras refuses is skipped; one seegrad.keras does not implement (NotSupported) is
skipped too (an error, never a wrong answer). FUZZ_KERAS_EXAMPLES sets the number of draws; a
long hunt: ``FUZZ_KERAS_EXAMPLES=500 FUZZ_KERAS_SEED=3 pytest tests/test_keras_fuzz.py``.
Each bug the hunt found has its own named regression test at the end."""
import os
import random
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from keras_helpers import LOSS_TOL, WEIGHT_TOL, oracle
from seegrad import keras as S
from seegrad.keras.utils import NotSupported

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

EXAMPLES = int(os.environ.get("FUZZ_KERAS_EXAMPLES", 12))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                    derandomize="FUZZ_KERAS_SEED" not in os.environ, database=None)
SEED = seed(int(os.environ.get("FUZZ_KERAS_SEED", 0)))


class KerasRefused(Exception):
    """Keras itself refused the drawn configuration: nothing to compare."""


# ----------------------------------------------------------------- building a model from a drawn spec


def regularizer(lib, spec):
    if spec is None:
        return None
    kind, *values = spec
    return {"l1": lib.regularizers.L1, "l2": lib.regularizers.L2, "l1l2": lib.regularizers.L1L2}[kind](*values)


def make_layer(lib, spec):
    """``spec`` = (class name, kwargs); regularizers are drawn as tuples and made per library."""
    name, kwargs = spec
    kwargs = dict(kwargs)
    for key in ("kernel_regularizer", "activity_regularizer", "bias_regularizer"):
        if key in kwargs:
            kwargs[key] = regularizer(lib, kwargs[key])
    if "layer" in kwargs:  # a wrapper: Bidirectional(LSTM(...)), TimeDistributed(Dense(...))
        kwargs["layer"] = make_layer(lib, kwargs["layer"])
    return getattr(lib.layers, name)(**kwargs)


def build(lib, spec):
    """A functional model: spec = {"input": (shape, dtype), "body": [...], "head": units}.
    Body items: ("layer", layer spec), ("rnn", layer spec) (may return states),
    ("branches", merge name, [layer spec], [layer spec])."""
    shape, dtype = spec["input"]
    inputs = lib.Input(shape=shape, dtype=dtype)
    x = inputs
    for item in spec["body"]:
        if item[0] == "layer":
            x = make_layer(lib, item[1])(x)
        elif item[0] == "rnn":
            out = make_layer(lib, item[1])(x)
            if isinstance(out, (list, tuple)):  # return_state: the output and the states, side by side
                first, states = out[0], list(out[1:])
                if len(first.shape) == 3:
                    first = lib.layers.GlobalAveragePooling1D()(first)
                x = lib.layers.Concatenate()([first, *states])
            else:
                x = out
        elif item[0] == "normalization":  # first, on the input: adapted to data of the input's shape
            _, kwargs, how = item
            rng = np.random.default_rng(5)
            sample = rng.normal(size=(30, *shape)) * rng.uniform(0.5, 3, shape) + rng.normal(size=shape)
            if how == "given":
                layer = lib.layers.Normalization(mean=sample.mean(0).mean(), variance=sample.var(), **kwargs)
            else:
                layer = lib.layers.Normalization(**kwargs)
                layer.adapt(sample if how == "array" else [sample[i:i + 8] for i in range(0, 30, 8)])
            x = layer(x)
        elif item[0] == "branches":
            _, merge, left, right = item
            a, b = x, x
            for s in left:
                a = make_layer(lib, s)(a)
            for s in right:
                b = make_layer(lib, s)(b)
            x = getattr(lib.layers, merge)()([a, b])
    if len(x.shape) > 2:
        x = lib.layers.Flatten()(x)
    outputs = lib.layers.Dense(spec["head"], activation=spec.get("head_activation"))(x)
    return lib.Model(inputs, outputs)


def twin_models(spec):
    """The model built by Keras and by us, ours holding Keras' initial weights."""
    keras = oracle()
    keras.utils.clear_session()
    S.utils.clear_session()
    keras.utils.set_random_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            k = build(keras, spec)
        except (ValueError, TypeError, NotImplementedError) as e:
            raise KerasRefused(str(e)) from e
    s = build(S, spec)
    kw, sw = k.get_weights(), s.get_weights()
    assert [w.shape for w in kw] == [w.shape for w in sw], "the two models hold different weights"
    s.set_weights(kw)
    return k, s


def same_history(hk, hs):
    assert hk.epoch == hs.epoch, (hk.epoch, hs.epoch)
    assert sorted(hk.history) == sorted(hs.history)
    for key in hk.history:
        np.testing.assert_allclose(hs.history[key], hk.history[key], rtol=1e-4, atol=1e-5, err_msg=key)


def same_weights(k, s, tol=WEIGHT_TOL, what=""):
    for i, (a, b) in enumerate(zip(k.get_weights(), s.get_weights())):
        np.testing.assert_allclose(b, a, **tol, err_msg=f"weight {i} ({k.weights[i].path}) {what}")


def run_spec(spec, x, y, train=True, freeze=None):
    """Build both, compare predict, then (``train``) one fit epoch with SGD and mse; ``freeze``: that layer
    of those holding weights (counted round) is made ``trainable = False`` before compile, as in transfer
    learning (a frozen BatchNormalization runs in inference mode; its penalties still count)."""
    keras = oracle()
    try:
        k, s = twin_models(spec)
    except KerasRefused as refused:
        try:  # Keras refused the configuration: so must we (never a model Keras would not build)
            build(S, spec)
        except Exception:  # noqa: BLE001
            return "both refused"
        raise AssertionError(f"Keras refused this model ({str(refused)[:200]}) but seegrad.keras built it") from None
    except NotSupported as e:
        return f"not supported: {str(e)[:80]}"
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    if not train:
        return "predicted"
    if freeze is not None:
        held = [i for i, layer in enumerate(k.layers) if layer.weights]
        if held:
            i = held[freeze % len(held)]
            assert type(k.layers[i]).__name__ == type(s.layers[i]).__name__
            k.layers[i].trainable = s.layers[i].trainable = False
    k.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    s.compile(optimizer=S.optimizers.SGD(0.05), loss="mse")
    try:
        hs = s.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    except NotSupported as e:
        return f"not supported in fit: {str(e)[:80]}"
    hk = k.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    same_history(hk, hs)
    same_weights(k, s, tol=dict(rtol=1e-4, atol=1e-5), what="after one epoch")
    expected = k.predict(x, verbose=0)  # (float32 sums: an output's rounding scales with the largest outputs')
    np.testing.assert_allclose(s.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(expected).max()))
    return "trained"


# ----------------------------------------------------------------- strategies: layer configurations

REGULARIZERS = st.sampled_from([None, None, ("l1", 0.01), ("l2", 0.02), ("l1l2", 0.01, 0.03)])
ACTIVATIONS = st.sampled_from([None, "relu", "tanh", "sigmoid", "softmax", "elu", "selu", "softplus", "swish",
                               "gelu", "linear", "relu6", "hard_sigmoid", "softsign", "leaky_relu", "exponential",
                               "hard_silu", "mish", "log_softmax"])


@st.composite
def dense(draw):
    kwargs = {"units": draw(st.integers(1, 5)), "activation": draw(ACTIVATIONS), "use_bias": draw(st.booleans()),
              "kernel_regularizer": draw(REGULARIZERS), "activity_regularizer": draw(REGULARIZERS)}
    return ("Dense", kwargs)


@st.composite
def batch_norm(draw):
    return ("BatchNormalization", {"momentum": draw(st.sampled_from([0.0, 0.5, 0.9, 0.99])),
                                   "epsilon": draw(st.sampled_from([1e-3, 1e-5, 0.1])),
                                   "center": draw(st.booleans()), "scale": draw(st.booleans())})


@st.composite
def layer_norm(draw):
    return ("LayerNormalization", {"epsilon": draw(st.sampled_from([1e-3, 1e-6, 0.5])),
                                   "center": draw(st.booleans()), "scale": draw(st.booleans())})


def norms():
    return st.one_of(batch_norm(), layer_norm())


@st.composite
def conv(draw, dims, channels):
    groups = draw(st.sampled_from([g for g in (1, 2) if channels % g == 0]))
    filters = groups * draw(st.integers(1, 3))
    kwargs = {"filters": filters, "kernel_size": draw(st.integers(1, 3)), "strides": draw(st.integers(1, 2)),
              "padding": draw(st.sampled_from(["valid", "same"] + (["causal"] if dims == 1 else []))),
              "dilation_rate": draw(st.integers(1, 2)), "groups": groups, "activation": draw(ACTIVATIONS),
              "use_bias": draw(st.booleans()), "kernel_regularizer": draw(REGULARIZERS)}
    return ("Conv1D" if dims == 1 else "Conv2D", kwargs), filters


@st.composite
def pooling(draw, dims):
    kind = draw(st.sampled_from(["Max", "Average"]))
    return (f"{kind}Pooling{dims}D", {"pool_size": draw(st.integers(1, 3)),
                                      "strides": draw(st.sampled_from([None, 1, 2])),
                                      "padding": draw(st.sampled_from(["valid", "same"]))})


@st.composite
def normalization(draw, ndim):
    """Normalization on the input (batch included, ``ndim`` axes), adapted to an array or to batches, or given."""
    axis = draw(st.sampled_from([-1, None] + ([1, (1, 2), -2] if ndim >= 3 else [])))
    how = draw(st.sampled_from(["array", "given"]))  # (Keras adapts to batches only with tensorflow)
    return [("normalization", {"axis": axis, "invert": draw(st.sampled_from([False, False, True]))}, how)]


@st.composite
def vector_specs(draw):
    body = draw(st.sampled_from([[], [], ("normalization",)]))
    body = draw(normalization(2)) if body else []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["dense", "dense", "norm", "dropout", "reshape", "branches"]))
        if kind == "dense":
            body.append(("layer", draw(dense())))
        elif kind == "norm":
            body.append(("layer", draw(norms())))
        elif kind == "dropout":
            body.append(("layer", ("Dropout", {"rate": draw(st.sampled_from([0.0, 0.3, 0.9]))})))
        elif kind == "reshape":  # (6,) -> (2, 3) or (3, 2), maybe permuted, flattened by the head
            body.append(("layer", ("Dense", {"units": 6})))
            body.append(("layer", ("Reshape", {"target_shape": draw(st.sampled_from([(2, 3), (3, 2), (-1, 2)]))})))
            if draw(st.booleans()):
                body.append(("layer", ("Permute", {"dims": (2, 1)})))
            body.append(("layer", ("Flatten", {})))
        else:
            body.append(("branches", draw(st.sampled_from(["Concatenate", "Add", "Subtract", "Multiply",
                                                           "Average", "Maximum", "Minimum"])),
                         [("Dense", {"units": 4, "activation": draw(ACTIVATIONS)})],
                         [("Dense", {"units": 4, "activation": draw(ACTIVATIONS)})]))
    return {"input": ((6,), "float32"), "body": body, "head": draw(st.integers(1, 3))}


@st.composite
def sequence_specs(draw):
    body, channels = draw(st.one_of(st.just([]), normalization(3))), 3
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "norm", "permute"]))
        if kind == "conv":
            layer, channels = draw(conv(1, channels))
            body.append(("layer", layer))
        elif kind == "pool":
            body.append(("layer", draw(pooling(1))))
        elif kind == "norm":
            body.append(("layer", draw(norms())))
        else:
            body.append(("layer", ("Permute", {"dims": (2, 1)})))
    return {"input": ((8, 3), "float32"), "body": body, "head": 2}


@st.composite
def image_specs(draw):
    body, channels = draw(st.one_of(st.just([]), normalization(4))), 2
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "norm"]))
        if kind == "conv":
            layer, channels = draw(conv(2, channels))
            body.append(("layer", layer))
        elif kind == "pool":
            body.append(("layer", draw(pooling(2))))
        else:
            body.append(("layer", draw(batch_norm())))
    return {"input": ((6, 7, 2), "float32"), "body": body, "head": 2}


@st.composite
def rnn(draw, last):
    cls = draw(st.sampled_from(["SimpleRNN", "GRU", "LSTM"]))
    kwargs = {"units": draw(st.integers(1, 4)), "return_sequences": draw(st.booleans()),
              "return_state": last and draw(st.sampled_from([False, False, False, True])), "go_backwards": draw(st.booleans()),
              "use_bias": draw(st.booleans())}
    if cls == "GRU":
        kwargs["reset_after"] = draw(st.sampled_from([True, True, False]))
    if cls != "SimpleRNN" and draw(st.booleans()):
        kwargs["activation"] = draw(st.sampled_from(["relu", "sigmoid", "tanh"]))
    return ("rnn", (cls, kwargs))


@st.composite
def token_specs(draw):
    """Embedding (maybe mask_zero) then one or two recurrent layers; the mask is consumed before the head."""
    mask = draw(st.booleans())
    body = [("layer", ("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": mask}))]
    layers = draw(st.integers(1, 2))
    for i in range(layers):
        item = draw(rnn(last=i == layers - 1))
        body.append(item)
    last = body[-1][1][1]
    if last["return_sequences"] and not last["return_state"]:
        body.append(("layer", ("GlobalAveragePooling1D", {}) if mask else ("Flatten", {})))
    return {"input": ((6,), "int32"), "body": body, "head": 2}


@st.composite
def float_rnn_specs(draw):
    """A recurrent layer over float sequences (no mask)."""
    body = [draw(rnn(last=True))]
    return {"input": ((5, 3), "float32"), "body": body, "head": 2}


def data_for(spec, n=20, seed=0):
    rng = np.random.default_rng(seed)
    shape, dtype = spec["input"]
    if dtype == "int32":
        x = rng.integers(0, 7, (n, *shape))
        x[:, :2] = np.where(rng.random((n, 2)) < 0.5, 0, x[:, :2])  # padding at the start of some rows
        x[:, -1] = np.where(rng.random(n) < 0.3, 0, x[:, -1])  # and at the end
        pooled = any(item[0] == "layer" and item[1][0].startswith("Global") for item in spec["body"])
        if not pooled:  # a row all padding (a masked mean over no step is 0/0: NaN in Keras and here alike)
            x[0] = 0
        x[1, 3] = 0  # a hole in the middle
    else:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
    y = rng.normal(size=(n, spec["head"])).astype(np.float32)
    return x, y


NOISE = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")


def has_dropout(spec):
    return any(item[0] == "layer" and item[1][0] in NOISE and list(item[1][1].values())[0] > 0
               for item in spec["body"])


ACTIVATION_LAYERS = st.one_of(
    st.builds(lambda m, s, t: ("ReLU", {"max_value": m, "negative_slope": s, "threshold": t}),
              st.sampled_from([None, 1.0, 6.0]), st.sampled_from([0.0, 0.2]), st.sampled_from([0.0, 0.5])),
    st.builds(lambda s: ("LeakyReLU", {"negative_slope": s}), st.sampled_from([0.01, 0.3])),
    st.builds(lambda a: ("ELU", {"alpha": a}), st.sampled_from([0.5, 1.0])),
    st.just(("PReLU", {})), st.builds(lambda a: ("Softmax", {"axis": a}), st.sampled_from([-1, 1])),
    st.builds(lambda a: ("Activation", {"activation": a}), ACTIVATIONS.filter(lambda a: a is not None)))


@st.composite
def more_image_specs(draw):
    """The other image layers: transposed and separable convolutions, resizing, padding, cropping,
    global pooling, activation layers, spatial dropout, rescaling."""
    body = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["transpose", "separable", "upsample", "pad", "crop", "act", "spatial",
                                     "rescale", "global"]))
        if kind == "transpose":
            layer = ("Conv2DTranspose", {"filters": draw(st.integers(1, 3)), "kernel_size": draw(st.integers(1, 3)),
                                         "strides": draw(st.integers(1, 2)), "dilation_rate": draw(st.integers(1, 2)),
                                         "padding": draw(st.sampled_from(["valid", "same"])),
                                         "activation": draw(ACTIVATIONS), "use_bias": draw(st.booleans())})
        elif kind == "separable":
            layer = ("SeparableConv2D", {"filters": draw(st.integers(1, 3)), "kernel_size": draw(st.integers(1, 3)),
                                         "strides": draw(st.integers(1, 2)),
                                         "padding": draw(st.sampled_from(["valid", "same"])),
                                         "depth_multiplier": draw(st.integers(1, 2)),
                                         "dilation_rate": draw(st.integers(1, 2)),
                                         "use_bias": draw(st.booleans())})
        elif kind == "upsample":
            layer = ("UpSampling2D", {"size": draw(st.sampled_from([2, (1, 2), (2, 1)]))})
        elif kind == "pad":
            layer = ("ZeroPadding2D", {"padding": draw(st.sampled_from([1, (1, 2), ((0, 1), (2, 0))]))})
        elif kind == "crop":
            layer = ("Cropping2D", {"cropping": draw(st.sampled_from([1, (1, 0), ((0, 1), (1, 0))]))})
        elif kind == "act":
            layer = draw(ACTIVATION_LAYERS)
        elif kind == "spatial":
            layer = ("SpatialDropout2D", {"rate": draw(st.sampled_from([0.0, 0.5]))})
        elif kind == "rescale":
            layer = ("Rescaling", {"scale": draw(st.sampled_from([0.5, 1 / 255])), "offset": draw(st.sampled_from([0.0, -1.0]))})
        else:
            layer = (draw(st.sampled_from(["GlobalAveragePooling2D", "GlobalMaxPooling2D"])), {"keepdims": draw(st.booleans())})
        body.append(("layer", layer))
        if kind == "global":
            break
    return {"input": ((6, 7, 2), "float32"), "body": body, "head": 2}


@st.composite
def more_sequence_specs(draw):
    """Bidirectional and TimeDistributed, global pooling, RepeatVector, activation layers over sequences;
    with tokens, a mask from Embedding(mask_zero=True) through the layers that hand it on."""
    tokens = draw(st.booleans())
    body = [("layer", ("Embedding", {"input_dim": 7, "output_dim": 3, "mask_zero": draw(st.booleans())}))] \
        if tokens else []
    masked = tokens and body[0][1][1]["mask_zero"]
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["bidi", "bidi", "timedist", "act", "norm", "dense"]))
        if kind == "bidi":
            cls = draw(st.sampled_from(["SimpleRNN", "GRU", "LSTM"]))
            inner = (cls, {"units": draw(st.integers(1, 3)), "return_sequences": True,
                           "go_backwards": draw(st.booleans())})
            body.append(("layer", ("Bidirectional", {"layer": inner, "merge_mode": draw(st.sampled_from(
                ["concat", "sum", "mul", "ave"]))})))
        elif kind == "timedist":
            body.append(("layer", ("TimeDistributed", {"layer": ("Dense", {"units": draw(st.integers(1, 3)),
                                                                           "activation": draw(ACTIVATIONS)})})))
        elif kind == "act":
            body.append(("layer", draw(ACTIVATION_LAYERS.filter(lambda a: a[0] not in ("PReLU", "Softmax")))))
        elif kind == "norm":
            body.append(("layer", draw(layer_norm())))
        else:
            body.append(("layer", draw(dense())))
    end = draw(st.sampled_from(["GlobalAveragePooling1D", "GlobalMaxPooling1D", "rnn", "flatten"]))
    if end == "rnn":
        body.append(("layer", (draw(st.sampled_from(["SimpleRNN", "GRU", "LSTM"])), {"units": 2})))
    elif end == "flatten":
        body.append(("layer", ("Flatten", {})))
    else:
        body.append(("layer", (end, {})))
    return {"input": ((6,), "int32") if tokens else ((5, 3), "float32"), "body": body, "head": 2}


@st.composite
def repeat_specs(draw):
    """RepeatVector then a recurrent layer, a vector to a sequence and back (an autoencoder's decoder)."""
    body = [("layer", ("Dense", {"units": 3, "activation": draw(ACTIVATIONS)})),
            ("layer", ("RepeatVector", {"n": draw(st.integers(1, 4))})),
            ("layer", (draw(st.sampled_from(["SimpleRNN", "GRU", "LSTM"])),
                       {"units": 2, "return_sequences": draw(st.booleans())}))]
    return {"input": ((6,), "float32"), "body": body, "head": 2}


@SETTINGS
@SEED
@given(spec=st.one_of(vector_specs(), sequence_specs(), image_specs(), token_specs(), float_rnn_specs(),
                     more_image_specs(), more_sequence_specs(), repeat_specs()),
       freeze=st.sampled_from([None, None, None, 0, 1, 2]))
def test_fuzz_layer_configurations(spec, freeze):
    x, y = data_for(spec)
    run_spec(spec, x, y, train=not has_dropout(spec), freeze=freeze)


# ----------------------------------------------------------------- strategies: compile and fit options


@st.composite
def schedule(draw):
    kind = draw(st.sampled_from([None, None, "exponential", "piecewise", "cosine"]))
    base = draw(st.sampled_from([0.003, 0.02, 0.1]))
    if kind == "exponential":
        return ("ExponentialDecay", (base, draw(st.integers(1, 4)), draw(st.sampled_from([0.5, 0.9]))),
                {"staircase": draw(st.booleans())})
    if kind == "piecewise":
        return ("PiecewiseConstantDecay", ([2, 5], [base, base / 2, base / 10]), {})
    if kind == "cosine":
        return ("CosineDecay", (base, draw(st.integers(2, 10))), {"alpha": draw(st.sampled_from([0.0, 0.1]))})
    return base


OPTIMIZERS = {  # name: a strategy of its keyword arguments
    "SGD": st.fixed_dictionaries({"momentum": st.sampled_from([0.0, 0.5, 0.9]), "nesterov": st.booleans()}),
    "RMSprop": st.fixed_dictionaries({"rho": st.sampled_from([0.8, 0.9]), "momentum": st.sampled_from([0.0, 0.5]),
                                      "centered": st.booleans()}),
    "Adam": st.fixed_dictionaries({"amsgrad": st.booleans(), "beta_1": st.sampled_from([0.8, 0.9])}),
    "Adagrad": st.fixed_dictionaries({"initial_accumulator_value": st.sampled_from([0.1, 0.5])}),
    "AdamW": st.fixed_dictionaries({"weight_decay": st.sampled_from([0.004, 0.1])}),
    "Adadelta": st.fixed_dictionaries({"rho": st.sampled_from([0.9, 0.95])}),
    "Adamax": st.fixed_dictionaries({}),
    "Nadam": st.fixed_dictionaries({}),
}


def make_optimizer(lib, spec):
    name, kwargs, lr = spec
    if isinstance(lr, tuple):
        cls, args, kw = lr
        lr = getattr(lib.optimizers.schedules, cls)(*args, **kw)
    return getattr(lib.optimizers, name)(learning_rate=lr, **kwargs)


@st.composite
def optimizer(draw):
    name = draw(st.sampled_from(sorted(OPTIMIZERS)))
    return (name, draw(OPTIMIZERS[name]), draw(schedule()))


TASKS = {  # task: (final activation(s), loss specs, metric specs)
    "multiclass": ([None, "softmax"], ["categorical_crossentropy", "sparse_categorical_crossentropy",
                                       ("CategoricalCrossentropy", "from_logits", "label_smoothing"),
                                       ("SparseCategoricalCrossentropy", "from_logits")],
                   ["accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy", "top_k",
                    ("CategoricalAccuracy",), ("SparseCategoricalAccuracy",), ("AUC",),
                    ("Precision",), ("Recall",), "mse"]),
    "binary": ([None, "sigmoid"], ["binary_crossentropy", ("BinaryCrossentropy", "from_logits", "label_smoothing"),
                                   "fn:binary_crossentropy"],
               ["accuracy", "binary_accuracy", ("BinaryAccuracy",), ("AUC",), ("Precision",), ("Recall",), "mae"]),
    "regression": ([None, "tanh"], ["mse", "mae", "huber", ("MeanSquaredError",), ("MeanAbsoluteError",),
                                    ("Huber",), "log_cosh", "fn:mean_squared_error", "fn:huber"],
                   ["mae", "mse", "mape", ("RootMeanSquaredError",), ("MeanAbsoluteError",), ("MeanSquaredError",)]),
}


@st.composite
def training_case(draw):
    task = draw(st.sampled_from(sorted(TASKS)))
    activations, loss_specs, metric_specs = TASKS[task]
    activation = draw(st.sampled_from(activations))
    loss = draw(st.sampled_from(loss_specs))
    if task != "regression" and activation is None and not (isinstance(loss, tuple) and "from_logits" in loss):
        activation = activations[1]  # probabilities for a loss that takes them (raw scores meet its clipping,
        # where float32 rounding decides the gradient)
    if isinstance(loss, tuple):
        logits = "from_logits" in loss and activation is None
        kw = {"from_logits": True} if logits else {}
        if "label_smoothing" in loss:
            kw["label_smoothing"] = draw(st.sampled_from([0.0, 0.1]))
        loss = (loss[0], kw)
    metrics = draw(st.lists(st.sampled_from(metric_specs), max_size=3, unique=True))
    sparse = "sparse" in (loss if isinstance(loss, str) else loss[0]).lower()
    if sparse:  # a sparse loss takes labels: the metrics must read labels too
        metrics = [m for m in metrics if m not in ("categorical_accuracy", ("CategoricalAccuracy",), ("AUC",),
                                                   ("Precision",), ("Recall",), "mse")]
    else:
        metrics = [m for m in metrics if m not in ("sparse_categorical_accuracy", ("SparseCategoricalAccuracy",))]
    weighting = draw(st.sampled_from([None, None, "sample", "class"] if task != "regression" else [None, "sample"]))
    n = draw(st.integers(18, 30))
    case = {"task": task, "activation": activation, "loss": loss, "metrics": metrics, "optimizer": draw(optimizer()),
            "weighting": weighting, "n": n, "batch_size": draw(st.sampled_from([4, 7, 8, 32])),
            "epochs": draw(st.integers(1, 6)), "validation_split": draw(st.sampled_from([0.0, 0.0, 0.2, 0.25])),
            "callback": draw(st.sampled_from([None, None, "early", "plateau", "scheduler"])),
            "hidden": draw(st.sampled_from([(), (5,), (6, "bn")])), "seed": draw(st.integers(0, 3))}
    # (not AUC: Keras' float32 AUC of unchanged counts differs in its last bits from epoch to epoch, and a
    # callback with min_delta=0 reads that as a change)
    monitors = ["loss"] + [m for m in metrics if m in ("accuracy", "acc", "binary_accuracy", "mae", "mse")]
    case["flat_labels"] = draw(st.booleans())
    case["validation_data"] = not case["validation_split"] and draw(st.sampled_from([False, False, True]))
    case["initial_epoch"] = draw(st.sampled_from([0, 0, 0, 1])) if case["epochs"] > 1 else 0
    if case["validation_split"] or case["validation_data"]:
        monitors += ["val_" + m for m in monitors]
    if case["callback"] == "early":
        case["callback_args"] = {"monitor": draw(st.sampled_from(monitors)), "patience": draw(st.integers(0, 2)),
                                 "restore_best_weights": draw(st.booleans()),
                                 "min_delta": draw(st.sampled_from([0.0, 0.01])),
                                 "mode": draw(st.sampled_from(["auto", "auto", "min", "max"])),
                                 "baseline": draw(st.sampled_from([None, None, 0.5])),
                                 "start_from_epoch": draw(st.sampled_from([0, 0, 1]))}
    if case["callback"] in ("plateau", "scheduler") and isinstance(case["optimizer"][2], tuple):
        name, kwargs, (_, args, _) = case["optimizer"]  # a callback that sets the rate: a number, not a schedule
        case["optimizer"] = (name, kwargs, args[0] if isinstance(args[0], float) else args[1][0])
    if case["callback"] == "plateau":
        case["callback_args"] = {"monitor": draw(st.sampled_from(monitors)), "factor": 0.5,
                                 "patience": draw(st.integers(0, 1)), "cooldown": draw(st.integers(0, 1)),
                                 "min_delta": draw(st.sampled_from([0.0, 0.5])), "min_lr": 1e-4,
                                 "mode": draw(st.sampled_from(["auto", "auto", "min", "max"]))}
    elif case["callback"] == "scheduler":
        case["callback_args"] = {"kind": draw(st.sampled_from(["halve", "step"]))}
    return case


def make_loss(lib, spec):
    if isinstance(spec, str) and spec.startswith("fn:"):  # the function, keras.losses.mean_squared_error
        return getattr(lib.losses, spec[3:])
    return spec if isinstance(spec, str) else getattr(lib.losses, spec[0])(**spec[1])


def make_metric(lib, spec, task):
    if isinstance(spec, str):
        return {"top_k": lib.metrics.TopKCategoricalAccuracy(k=2) if hasattr(lib.metrics, "TopKCategoricalAccuracy")
                else "top_k_categorical_accuracy"}.get(spec, spec)
    return getattr(lib.metrics, spec[0])()


def make_callbacks(lib, case):
    kind, args = case["callback"], case.get("callback_args")
    if kind == "early":
        return [lib.callbacks.EarlyStopping(**args)]
    if kind == "plateau":
        return [lib.callbacks.ReduceLROnPlateau(**args)]
    if kind == "scheduler":
        if args["kind"] == "halve":
            return [lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)]
        return [lib.callbacks.LearningRateScheduler(lambda epoch: 0.05 / (1 + epoch))]
    return []


def case_data(case):
    rng = np.random.default_rng(case["seed"])
    n = case["n"]
    x = rng.normal(size=(n, 4)).astype(np.float32)
    if case["task"] == "regression":
        y = (x[:, :1] - 0.5 * x[:, 1:2] + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
        return x, y, None
    classes = 3 if case["task"] == "multiclass" else 2
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5) * (classes == 3)
    if case["task"] == "binary":
        y = labels.reshape(-1, 1).astype(np.float32)
        y = y[:, 0] if case.get("flat_labels") else y  # (N,) against the model's (N, 1)
    elif "sparse" in str(case["loss"]).lower():
        y = labels[:, None] if case.get("flat_labels") else labels  # (N, 1) labels
    else:
        y = np.eye(classes, dtype=np.float32)[labels]
    return x, y, labels


def training_model(lib, case):
    out = 3 if case["task"] == "multiclass" else 1
    layers = [lib.Input((4,))]
    for h in case["hidden"]:
        # tanh, not relu: a row whose hidden units all die gives tied outputs, an argmax decided by rounding
        layers.append(lib.layers.BatchNormalization() if h == "bn" else lib.layers.Dense(h, activation="tanh"))
    layers.append(lib.layers.Dense(out, activation=case["activation"]))
    return lib.Sequential(layers)


def run_training_case(case):
    keras = oracle()
    x, y, labels = case_data(case)
    fit_kwargs = {"epochs": case["epochs"], "batch_size": case["batch_size"], "shuffle": False, "verbose": 0}
    if case["validation_split"]:
        fit_kwargs["validation_split"] = case["validation_split"]
    if case.get("validation_data"):  # other rows: the data again, noisier
        noisy = x + np.random.default_rng(7).normal(size=x.shape).astype(np.float32)
        fit_kwargs["validation_data"] = (noisy[:9], y[:9])
    if case.get("initial_epoch"):
        fit_kwargs["initial_epoch"] = case["initial_epoch"]
    if case["weighting"] == "sample":
        fit_kwargs["sample_weight"] = np.random.default_rng(9).uniform(0.2, 2.0, len(x)).astype(np.float32)
    elif case["weighting"] == "class":
        fit_kwargs["class_weight"] = {0: 0.5, 1: 2.0, 2: 1.3} if case["task"] == "multiclass" else {0: 0.7, 1: 1.8}
    results = {}
    for lib in (keras, S):
        lib.utils.clear_session()  # the automatic names (precision, precision_1...) counted afresh
        lib.utils.set_random_seed(0)
        try:
            model = training_model(lib, case)
            opt = make_optimizer(lib, case["optimizer"])
            model.compile(optimizer=opt, loss=make_loss(lib, case["loss"]),
                          metrics=[make_metric(lib, m, case["task"]) for m in case["metrics"]])
            if lib is S and results[keras]["initial"] is not None:
                model.set_weights(results[keras]["initial"])
            initial = model.get_weights()
            history = model.fit(x, y, callbacks=make_callbacks(lib, case), **fit_kwargs)
            results[lib] = {"initial": initial, "model": model, "history": history,
                            "evaluate": model.evaluate(x, y, verbose=0, batch_size=7),
                            "weighted": model.evaluate(x, y, verbose=0, sample_weight=np.linspace(0.1, 2, len(x))),
                            "names": sorted(model.evaluate(x, y, verbose=0, return_dict=True)),
                            "predict": model.predict(x, verbose=0), "weights": model.get_weights()}
        except NotSupported as e:
            assert lib is S
            return f"not supported: {str(e)[:80]}"
        except Exception as e:  # noqa: BLE001 (Keras refused the program: so must we, never run it silently)
            if lib is S:
                if keras in results and results[keras].get("refused"):
                    return f"both refused: {str(e)[:60]}"
                raise
            results[keras] = {"refused": f"{type(e).__name__}: {e}"}
            if "initial" not in results[keras]:
                results[keras]["initial"] = None
    if results[keras].get("refused"):
        raise AssertionError(f"Keras refused the program ({results[keras]['refused'][:200]}) but seegrad.keras "
                             "ran it")
    k, s = results[keras], results[S]
    same_history(k["history"], s["history"])
    for i, (a, b) in enumerate(zip(k["weights"], s["weights"])):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5, err_msg=f"weight {i} after fit")
    assert k["names"] == s["names"]
    np.testing.assert_allclose(s["evaluate"], k["evaluate"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s["weighted"], k["weighted"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s["predict"], k["predict"], rtol=1e-4, atol=1e-5)
    lr_k = float(keras.ops.convert_to_numpy(k["model"].optimizer.learning_rate))
    np.testing.assert_allclose(float(s["model"].optimizer.learning_rate), lr_k, rtol=1e-6)
    return "compared"


@SETTINGS
@SEED
@given(case=training_case())
def test_fuzz_compile_and_fit_options(case):
    run_training_case(case)


# ----------------------------------------------------------------- regression tests, one per bug found


def test_two_metrics_of_one_name_are_both_logged():
    """metrics=["binary_accuracy", BinaryAccuracy(threshold=0.7)]: both are named binary_accuracy. Keras logs the
    second as binary_accuracy_1; we kept one key, the second overwriting the first, so the history showed the
    0.7-threshold figure under the plain name (0.5556 each epoch where Keras reads 0.4444) and had no
    binary_accuracy_1; evaluate returned 3 numbers where Keras returns 4 (binary_accuracy twice, then
    binary_accuracy_1)."""
    keras = oracle()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(18, 4)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    results = []
    for lib in (keras, S):
        lib.utils.clear_session()
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(1, activation="sigmoid")])
        if results:
            model.set_weights(results[0][0])
        model.compile(optimizer="sgd", loss="binary_crossentropy",
                      metrics=["binary_accuracy", lib.metrics.BinaryAccuracy(threshold=0.7)])
        weights = model.get_weights()
        history = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        results.append((weights, history, model.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0,
                                                                                         return_dict=True)))
    (_, hk, ek, dk), (_, hs, es, ds) = results
    assert sorted(hs.history) == sorted(hk.history) == ["binary_accuracy", "binary_accuracy_1", "loss"]
    same_history(hk, hs)
    assert hs.history["binary_accuracy"] != hs.history["binary_accuracy_1"]  # the two thresholds differ here
    np.testing.assert_allclose(es, ek, **LOSS_TOL)
    assert len(es) == 4
    assert ds.keys() == dk.keys()


OPTIMIZERS_ADDED = [  # were NotSupported; each against Keras, with a schedule or clipping where it matters
    ("AdamW", {}, 0.02), ("AdamW", {"weight_decay": 0.1, "amsgrad": True}, 0.02), ("Adamax", {}, 0.02),
    ("Adamax", {"beta_1": 0.8, "clipnorm": 0.5}, ("CosineDecay", (0.05, 6), {})), ("Nadam", {}, 0.02),
    ("Nadam", {"beta_1": 0.8}, ("ExponentialDecay", (0.1, 2, 0.5), {})), ("Adadelta", {}, 1.0),
    ("Adadelta", {"rho": 0.9, "weight_decay": 0.01}, 0.5), ("RMSprop", {"centered": True, "momentum": 0.5}, 0.01),
    ("RMSprop", {"centered": True}, ("PiecewiseConstantDecay", ([3, 6], [0.02, 0.01, 0.001]), {})),
]


@pytest.mark.parametrize("spec", OPTIMIZERS_ADDED, ids=lambda spec: spec[0])
def test_optimizers_added_match_keras(spec):
    """AdamW, Adamax, Nadam, Adadelta and RMSprop(centered=True): three epochs of 4 batches (the last short),
    the history, the weights, evaluate and predict as Keras'; Nadam also after a save and reload of its state."""
    case = {"task": "multiclass", "activation": "softmax", "loss": "categorical_crossentropy",
            "metrics": ["accuracy"], "weighting": None, "n": 24, "batch_size": 7, "epochs": 3,
            "validation_split": 0.0, "callback": None, "hidden": (5,), "seed": 0, "optimizer": spec}
    assert run_training_case(case) == "compared"


def test_optimizers_added_by_name():
    for name, cls in (("adamw", S.optimizers.AdamW), ("adamax", S.optimizers.Adamax), ("nadam", S.optimizers.Nadam),
                      ("adadelta", S.optimizers.Adadelta)):
        assert type(S.optimizers.get(name)) is cls
    assert S.optimizers.AdamW().get_config()["weight_decay"] == 0.004
    with pytest.raises(ValueError, match="weight_decay"):
        S.optimizers.AdamW(weight_decay=None)


def test_nadam_state_survives_a_reload():
    """Nadam's running product of its momentum schedule is part of its state: a reloaded optimizer goes on
    as the original (the same next update)."""
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 3)).astype(np.float32), rng.normal(size=(16, 1)).astype(np.float32)
    models = []
    for _ in range(2):
        S.utils.set_random_seed(0)
        model = S.Sequential([S.Input((3,)), S.layers.Dense(1)])
        model.compile(optimizer=S.optimizers.Nadam(0.05), loss="mse")
        models.append(model)
    models[0].fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    models[1].set_weights(models[0].get_weights())
    models[1].train_on_batch(x[:4], y[:4])  # builds its optimizer
    models[1].set_weights(models[0].get_weights())
    models[1].optimizer.load_state_dict(models[0].optimizer.state_dict())
    models[1].optimizer.iterations = models[0].optimizer.iterations
    for model in models:
        model.train_on_batch(x[4:8], y[4:8])
    np.testing.assert_array_equal(models[1].get_weights()[0], models[0].get_weights()[0])


@pytest.mark.parametrize("shape,axis,invert", [((6,), -1, False), ((8, 3), None, True), ((8, 3), 1, False),
                                               ((6, 7, 2), (1, 2), False), ((6, 7, 2), -1, True)])
@pytest.mark.parametrize("how", ["array", "given"])
def test_normalization_layer_matches_keras(shape, axis, invert, how):
    """keras.layers.Normalization (was NotSupported): adapted to float64 data (numpy's moments, as Keras), or
    given mean and variance; predict, one epoch of fit, the weights (mean, variance, count) as Keras'."""
    spec = {"input": (shape, "float32"), "body": [("normalization", {"axis": axis, "invert": invert}, how)],
            "head": 2}
    x, y = data_for(spec)
    assert run_spec(spec, x, y) == "trained"


def test_normalization_adapts_to_batches_as_to_the_whole():
    """adapt(list of batches) combines the batches' moments (Keras' formula; Keras needs tensorflow for it, so
    the check is against adapt(the whole array))."""
    rng = np.random.default_rng(3)
    data = (rng.normal(size=(30, 5, 2)) * 4 + 2).astype(np.float32)
    whole, batched = S.layers.Normalization(axis=-1), S.layers.Normalization(axis=-1)
    whole.adapt(data)
    batched.adapt([data[i:i + 8] for i in range(0, 30, 8)])
    for a, b in zip(whole.get_weights(), batched.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole.get_weights()[0], data.reshape(-1, 2).mean(0), rtol=1e-5)
    out = batched(data).numpy()
    np.testing.assert_allclose(out.reshape(-1, 2).mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.reshape(-1, 2).std(0), 1, rtol=1e-4)
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        S.layers.Normalization(mean=0.0)


def test_two_metrics_of_one_name_in_a_custom_train_step():
    """The same names through a model's own train_step (super().train_step: compute_metrics, the compiled
    metrics' dict): mean_absolute_error and mean_absolute_error_1, as Keras."""
    keras = oracle()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 3)).astype(np.float32)
    y = (x[:, :1] - x[:, 1:2]).astype(np.float32)
    histories, start = [], None
    for lib in (keras, S):
        class Counted(lib.Model):
            def train_step(self, data):
                return super().train_step(data)

        lib.utils.clear_session()
        lib.utils.set_random_seed(0)
        inputs = lib.Input((3,))
        model = Counted(inputs, lib.layers.Dense(1)(inputs))
        if start is not None:
            model.set_weights(start)
        start = model.get_weights()
        model.compile(optimizer="sgd", loss="mse",
                      metrics=["mean_absolute_error", lib.metrics.MeanAbsoluteError(), "mse"])
        histories.append(model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0))
    assert sorted(histories[1].history) == ["loss", "mean_absolute_error", "mean_absolute_error_1", "mse"]
    same_history(*histories)


@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.Conv1D(2, 3, strides=2, dilation_rate=2, padding="same"),
    lambda lib: lib.layers.Conv2D(2, 2, strides=(1, 2), dilation_rate=(2, 1)),
    lambda lib: lib.layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2),
], ids=["Conv1D", "Conv2D", "Conv2DTranspose"])
def test_convolution_refuses_strides_with_dilation(make):
    """Keras' convolutions refuse strides > 1 together with dilation_rate > 1; we built the layer and ran
    PyTorch's strided dilated convolution, a model Keras would not run (found by the fuzzer)."""
    keras = oracle()
    with pytest.raises(ValueError, match="not supported in conjunction with") as refused:
        make(keras)
    with pytest.raises(ValueError, match="not supported in conjunction with") as ours:
        make(S)
    assert str(ours.value) == str(refused.value)


def test_separable_convolution_takes_strides_with_dilation():
    """SeparableConv2D is the exception: Keras takes both, and so do we (the same numbers)."""
    spec = {"input": ((9, 9, 2), "float32"), "head": 2, "body": [
        ("layer", ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}))]}
    x, y = data_for(spec)
    assert run_spec(spec, x, y) == "trained"


@pytest.mark.parametrize("activation", ["hard_sigmoid", "hard_silu", "hard_swish", "softsign"])
def test_activations_added_match_keras(activation):
    """Dense(activation=...) for the activations that were NotSupported (hard_sigmoid: relu6(x + 3) / 6, the
    Keras 3 one; hard_silu / hard_swish; softsign), inputs scaled by 4 so that every piece of each is used."""
    spec = {"input": ((6,), "float32"), "head": 2, "body": [("layer", ("Dense", {"units": 5, "activation": activation}))]}
    x, y = data_for(spec)
    assert run_spec(spec, 4 * x, y) == "trained"
    assert S.activations.get(activation) is not None
