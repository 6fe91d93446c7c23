"""Run a program of Deep Learning with Python (3rd edition, Keras 3) under Keras and under seegrad.keras
and compare every figure it produces.

The programs' text comes from the book's companion notebooks,
https://github.com/fchollet/deep-learning-with-python-notebooks (MIT, (c) François Chollet); each
test file quotes its cells and says which notebook they come from.

How one program is run twice (``run_both(source)``):

1. under Keras 3 (torch backend), seeded; every ``fit``, ``evaluate`` and ``predict`` the program
   calls is recorded in order (its History, its results, its outputs), and so are the weights
   each model holds at its first use (built by a prediction on one sample, which changes nothing);
2. the same text with its import lines changed to seegrad.keras (``to_seegrad``); each model, at
   its first use, is given the weights the Keras model of the same rank held at that point,
   so both start from the same numbers;
3. the two records are compared figure by figure (losses and metrics to LOSS_TOL, outputs and
   weights to WEIGHT_TOL, both from keras_helpers), and so are every model's final weights.

What the harness changes, in both runs alike:
- ``fit`` runs with ``shuffle=False`` (the two libraries draw other shuffles), everything with ``verbose=0``;
- numpy's global generator is seeded before the program runs (a program's own np.random draws);
- Dropout's masks: Keras draws them (its seed generator), and seegrad's Dropout layers are handed
  the same masks in the same order; so are the recurrent layers' dropout and recurrent_dropout masks
  (drawn once per call, the same at every step). A mask is a random draw, not the computation under
  test; without this, any program with dropout would diverge from its first step.
The datasets (keras.datasets) cannot be downloaded here: each test draws data of the same shapes
and dtypes, smaller, in the program's text where the load was (and says so).
"""
import contextlib
import io
import re
import types
from collections import deque

import numpy as np
import pytest

from keras_helpers import LOSS_TOL, WEIGHT_TOL, oracle

import autograd as ag
from seegrad import keras as S

def to_seegrad(source):
    """The program with its Keras imports pointed at seegrad.keras (the one change a user makes), and
    the torch-backend cells' ``import torch`` at seegrad's PyTorch-style API (``import autograd as torch``)."""
    source = re.sub(r"^(\s*)import torch$", r"\1import autograd as torch", source, flags=re.M)
    source = re.sub(r"^(\s*)import keras$", r"\1from seegrad import keras", source, flags=re.M)
    return re.sub(r"^(\s*)from keras([. ])", r"\1from seegrad.keras\2", source, flags=re.M)


def _first_samples(x):
    """The first sample of fit's x, in the same container (array, list of arrays, dict of arrays)."""
    if isinstance(x, dict):
        return {k: v[:1] for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [v[:1] for v in x]
    return x[:1]


class Record:
    """What one run produced: ``figures`` [(what, value)] in call order, the fitted models in the
    order of their first fit, and (Keras) the weights each held when that fit began."""

    def __init__(self):
        self.figures, self.models, self.initial = [], [], []
        self.masks = deque()  # Keras' dropout masks, handed to seegrad's Dropout in the same order
        self.depth = 0  # > 0 inside a recorded call (Keras' fit calls evaluate for validation: not the program's)

    def call(self, what, method, model, args, kwargs):
        """``method(model, *args, **kwargs)``, recorded when the program called it (not fit's own evaluate)."""
        kwargs["verbose"] = 0
        self.depth += 1
        try:
            result = method(model, *args, **kwargs)
        finally:
            self.depth -= 1
        if self.depth == 0:
            self.figures.append((what, dict(result.history) if what == "fit" else result))
        return result


def _run_keras(source, monkeypatch, record):
    keras = oracle()
    import torch
    from keras.src.layers.regularization import dropout as dropout_module

    keras.utils.clear_session()  # layer names from dense, dense_1... in both
    keras.utils.set_random_seed(0)  # Keras' initial weights repeat from run to run
    random_module = dropout_module.backend.random
    keras_dropout = random_module.dropout

    rnn_training = []  # the training flag of each recurrent layer call under way

    def recorded_dropout(inputs, rate, noise_shape=None, seed=None):
        mask = keras_dropout(torch.ones_like(inputs), rate, noise_shape=noise_shape, seed=seed)  # 0 or 1/(1-rate)
        if not rnn_training or rnn_training[-1]:  # a recurrent layer draws its masks at inference too, unused
            record.masks.append(mask.detach().cpu().numpy())
        return inputs * mask

    monkeypatch.setattr(random_module, "dropout", recorded_dropout)
    from keras.src.layers.rnn.rnn import RNN
    rnn_call = RNN.call

    def noted_rnn_call(self, sequences, initial_state=None, mask=None, training=False):
        rnn_training.append(bool(training))
        try:
            return rnn_call(self, sequences, initial_state=initial_state, mask=mask, training=training)
        finally:
            rnn_training.pop()

    monkeypatch.setattr(RNN, "call", noted_rnn_call)
    predict = keras.Model.predict

    def first_use(model, x):  # built by a prediction on one sample; its weights are the ones seegrad gets
        predict(model, _first_samples(x), verbose=0)
        record.initial.append(model.get_weights())

    _record_calls(monkeypatch, keras.Model, record, first_use)
    return _execute(source, "keras")


def _run_seegrad(source, monkeypatch, record, keras_record):
    S.utils.clear_session()
    masks = keras_record.masks

    def given_dropout(self, x, training=False):
        if not training or self.rate == 0:
            return x
        assert masks, f"{self.name}: seegrad drew more dropout masks than Keras"
        mask = masks.popleft()
        assert mask.shape == tuple(x.shape), f"{self.name}: Keras' mask is {mask.shape}, the input {tuple(x.shape)}"
        return x * ag.from_numpy(mask.astype(np.float32))

    monkeypatch.setattr(S.layers.Dropout, "call", given_dropout)

    def given_rnn_mask(self, shape, rate):  # a recurrent layer's dropout / recurrent_dropout mask
        assert masks, f"{self.name}: seegrad drew more dropout masks than Keras"
        mask = masks.popleft()
        assert mask.shape == tuple(shape), f"{self.name}: Keras' mask is {mask.shape}, seegrad's {tuple(shape)}"
        return ag.from_numpy(mask.astype(np.float32))

    for recurrent in (S.layers.SimpleRNN, S.layers.LSTM, S.layers.GRU):
        monkeypatch.setattr(recurrent, "_dropout_mask", given_rnn_mask)
    predict = S.Model.predict

    def first_use(model, x):  # built by a prediction on one sample, then given the Keras model's weights
        rank = len(record.models) - 1
        assert rank < len(keras_record.initial), "seegrad used more models than Keras"
        predict(model, _first_samples(x), verbose=0)
        model.set_weights(keras_record.initial[rank])

    _record_calls(monkeypatch, S.Model, record, first_use)
    return _execute(to_seegrad(source), "seegrad")


def _record_calls(monkeypatch, model_class, record, first_use):
    """Wrap ``model_class``'s fit, evaluate and predict: record what the program gets, and on a
    model's first use ``first_use(model, x)`` (Keras: note its weights; seegrad: take them)."""
    originals = {name: getattr(model_class, name) for name in ("fit", "evaluate", "predict")}

    def wrap(name):
        def recorded(self, *args, **kwargs):
            if name == "fit":
                kwargs["shuffle"] = False
            if record.depth == 0 and not any(self is m for m in record.models):
                record.models.append(self)
                first_use(self, args[0] if args else kwargs["x"])
            return record.call(name, originals[name], self, args, kwargs)
        return recorded

    for name in originals:
        monkeypatch.setattr(model_class, name, wrap(name))


def _execute(source, lib):
    """Run the program as a module; what it prints is kept as ``module.printed``."""
    np.random.seed(0)  # a program's own np.random draws (noise channels, shuffled labels): the same in both runs
    module = types.ModuleType(f"dlwp_program_{lib}")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(source, f"<program under {lib}>", "exec"), module.__dict__)
    module.printed = printed.getvalue()
    return module


def run_both(source, weight_atol=0.0, loss_rtol=LOSS_TOL["rtol"]):
    """Run ``source`` under Keras, then under seegrad.keras; compare every fit's History, every
    evaluate's and predict's result, and every fitted model's final weights. Returns both
    programs' namespaces (Keras', seegrad's) for further checks.

    ``weight_atol``: a larger absolute tolerance for the final weights, for programs whose weights
    follow float32 rounding (Adam steps on gradients near 0), ``loss_rtol`` likewise for the
    figures; the caller says why, and checks the gradients themselves (``gradients_near_float64``)."""
    loss_tol = dict(LOSS_TOL, rtol=loss_rtol)
    k_record, s_record = Record(), Record()
    with pytest.MonkeyPatch.context() as monkeypatch:
        k_program = _run_keras(source, monkeypatch, k_record)
    with pytest.MonkeyPatch.context() as monkeypatch:
        s_program = _run_seegrad(source, monkeypatch, s_record, k_record)
    assert not k_record.masks, f"Keras drew {len(k_record.masks)} dropout masks more than seegrad used"
    assert [what for what, _ in s_record.figures] == [what for what, _ in k_record.figures]
    assert len(s_record.models) == len(k_record.models)
    for i, ((what, k), (_, s)) in enumerate(zip(k_record.figures, s_record.figures)):
        where = f"call {i} ({what})"
        if what == "fit":
            assert sorted(s) == sorted(k), f"{where}: History keys"
            for key in k:
                np.testing.assert_allclose(s[key], k[key], **loss_tol, err_msg=f"{where}: {key}")
        elif what == "evaluate":
            same_structure(s, k, loss_tol, where)
        else:
            same_structure(s, k, WEIGHT_TOL, where)
    for i, (k, s) in enumerate(zip(k_record.models, s_record.models)):
        for j, (a, b, start) in enumerate(zip(k.get_weights(), s.get_weights(), k_record.initial[i])):
            # float32 rounding scales with the steps taken: with RMSprop(learning_rate=1.0) (chapter 5)
            # every step moves a weight by about 3, so one that ends near 0 is a difference of numbers
            # near 3, known to a few of their ulps (2.4e-7 each): allow 1e-5 of the largest move
            atol = max(WEIGHT_TOL["atol"], 1e-5 * float(np.abs(a - start).max(initial=0)))
            np.testing.assert_allclose(b, a, rtol=WEIGHT_TOL["rtol"], atol=max(atol, weight_atol),
                                       err_msg=f"model {i}, weight {j} ({k.weights[j].path})")
    return k_program, s_program


def same_structure(s, k, tol, where):
    """Numbers, lists or dicts of them, equal to ``tol``."""
    if isinstance(k, dict):
        assert sorted(s) == sorted(k), f"{where}: keys"
        for key in k:
            same_structure(s[key], k[key], tol, f"{where}[{key!r}]")
    elif isinstance(k, (list, tuple)) and not np.isscalar(k):
        assert isinstance(s, (list, tuple)) and len(s) == len(k), f"{where}: {s!r} against Keras' {k!r}"
        for i, (a, b) in enumerate(zip(k, s)):
            same_structure(b, a, tol, f"{where}[{i}]")
    else:
        np.testing.assert_allclose(np.asarray(s), np.asarray(k), **tol, err_msg=where)


# ------------------------------------------------------------ stand-ins for keras.datasets (offline)

def mnist_like(n_train, n_test):
    """Stands in for ``mnist.load_data()``: scikit-learn's 8x8 digits grown to 28x28 (each pixel a
    3x3 block, 2 pixels of border), uint8 0..255 as MNIST's, labels uint8 0..9; n_train and n_test
    samples (the book's are 60000 and 10000)."""
    from seegrad.data import load_digits
    split = load_digits(seed=0, flatten=False)

    def grow(x, n):
        x = np.kron(x[:n].reshape(-1, 8, 8), np.ones((3, 3), np.float32))  # (n, 24, 24)
        return (255 * np.pad(x, ((0, 0), (2, 2), (2, 2)))).round().astype(np.uint8)  # (n, 28, 28)

    return ((grow(split.X_train, n_train), split.y_train[:n_train].astype(np.uint8)),
            (grow(split.X_test, n_test), split.y_test[:n_test].astype(np.uint8)))


def word_sequences(n, num_words, num_classes, seed):
    """Stands in for ``imdb.load_data(num_words=...)`` / ``reuters.load_data(...)``: n lists of word
    ids (lengths 20 to 80, ids 1..num_words-1, as the datasets' lists) and int64 labels 0..num_classes-1.
    Each class favours its own 20 words, so the multi-hot models have something to learn."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, num_classes, n)
    favourite = rng.integers(1, num_words, size=(num_classes, 20))
    sequences = []
    for label in labels:
        length = rng.integers(20, 81)
        words = rng.integers(1, num_words, length)
        marked = rng.random(length) < 0.3
        words[marked] = rng.choice(favourite[label], marked.sum())
        sequences.append([int(w) for w in words])
    data = np.empty(n, dtype=object)
    data[:] = sequences  # an array of lists, as keras.datasets returns
    return data, labels


def housing_like(n_train, n_test, seed=0):
    """Stands in for ``california_housing.load_data(version="small")``: 8 float32 features of
    California-like scales and a price (float32, in dollars) that depends on them, plus noise."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    scale = np.array([2.0, 1.5, 12.0, 1.0, 400.0, 1.0, 2.0, 2.0])
    centre = np.array([-119.5, 35.6, 28.0, 5.4, 1400.0, 3.0, 3.9, 1.1])
    x = centre + scale * rng.normal(size=(n, 8))
    price = 200000 + 60000 * (x[:, 6] - 3.9) - 20000 * (x[:, 1] - 35.6) + 10000 * rng.normal(size=n)
    x, price = x.astype(np.float32), price.astype(np.float32)
    return (x[:n_train], price[:n_train]), (x[n_train:], price[n_train:])


def cats_and_dogs_like(n, size, seed):
    """Stands in for ``image_dataset_from_directory("dogs_vs_cats_small/...", image_size=size)``, as
    arrays: n RGB images (float32 0..255, as the dataset yields) and int32 labels (0 cat, 1 dog).
    A "dog" has a bright blob in its left half, a "cat" in its right half, over noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n).astype(np.int32)
    images = rng.uniform(0, 120, size=(n, *size, 3))
    h, w = size
    for image, label in zip(images, labels):
        r = rng.integers(0, h - h // 3)
        c = rng.integers(0, w // 2 - w // 4) + (0 if label else w // 2)
        image[r:r + h // 3, c:c + w // 4] += rng.uniform(80, 130, 3)
    return images.astype(np.float32), labels


def gradients_near_float64(source, x, y, loss="BinaryCrossentropy", relative=3e-5):
    """The gradients of the model ``source`` builds (its variable ``model``; Dropout layers taken out)
    on the batch (x, y), from the same initial weights: Keras 3 in float64 is the truth, and seegrad's
    float32 gradients must be within ``relative`` of each weight's largest gradient (float32 sums
    of 10^4 terms and more: Keras' own float32 gradients are up to 3e-6 off). Returns, per
    weight, (path, Keras float32's error, seegrad's error), both relative.

    A model of several outputs: ``x`` and ``y`` are lists (one array per input, per output) and ``loss``
    a list of loss names, one per output; the gradients are those of their sum."""
    keras = oracle()
    import torch
    source = re.sub(r"layers\.Dropout\([^)]*\)\(x\)", "x", source)
    keras.utils.set_random_seed(0)
    built = {}
    for floatx in ("float32", "float64"):
        keras.config.set_floatx(floatx)
        try:
            namespace = {}
            exec(compile(source, "<model under keras>", "exec"), namespace)
            model = namespace["model"]
            if built:
                model.set_weights(built["float32"][1])
            out = model(_per_item(x, lambda a: torch.tensor(a.astype(floatx))), training=True)
            _summed_loss(keras.losses, loss, y, out, lambda a: torch.tensor(a.astype(floatx))).backward()
            built[floatx] = ([w.value.grad.double().numpy() for w in model.trainable_weights],
                             model.get_weights() if not built else None, [w.path for w in model.trainable_weights])
        finally:
            keras.config.set_floatx("float32")
    namespace = {}
    exec(compile(to_seegrad(source), "<model under seegrad>", "exec"), namespace)
    model = namespace["model"]
    model.predict(_first_samples(x), verbose=0)
    model.set_weights(built["float32"][1])
    model.train()
    out = model(_per_item(x, lambda a: a.astype(np.float32)), training=True)
    _summed_loss(S.losses, loss, y, out, lambda a: a.astype(np.float32)).backward()
    report = []
    for path, g64, g32, gs in zip(built["float64"][2], built["float64"][0], built["float32"][0],
                                  [w.grad.numpy().astype(np.float64) for w in model.trainable_weights]):
        scale = np.abs(g64).max()
        report.append((path, np.abs(g32 - g64).max() / scale, np.abs(gs - g64).max() / scale))
        assert report[-1][2] < relative, f"{path}: seegrad's gradient is {report[-1][2]:.1e} from float64's " \
                                         f"(Keras float32: {report[-1][1]:.1e}), relative to its largest entry"
    return report


def _per_item(data, convert):
    """``convert`` applied to an array, or to each array of a list."""
    return [convert(a) for a in data] if isinstance(data, list) else convert(data)


def _summed_loss(module, loss, y, out, convert):
    """The loss named ``loss`` of (y, out), or for several outputs the sum of each output's (lists)."""
    names, ys, outs = (loss, y, out) if isinstance(loss, list) else ([loss], [y], [out])
    total = 0
    for name, target, prediction in zip(names, ys, outs):
        target = convert(target)
        if int(np.prod(target.shape)) == int(np.prod(prediction.shape)):
            target = target.reshape(tuple(prediction.shape))
        total = total + getattr(module, name)()(target, prediction)
    return total


def write_jena_like(path, rows, seed=0):
    """Stands in for the Jena climate CSV the chapter 13 notebook downloads: a header of 15 columns
    ("Date Time" and 14 measures, "T (degC)" the second measure) and ``rows`` lines of 10-minute
    readings: a daily and a slower temperature cycle plus noise, the other measures mixed from it."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    temperature = 8 + 6 * np.sin(2 * np.pi * t / 144) + 4 * np.sin(2 * np.pi * t / 1500) + rng.normal(0, 0.5, rows)
    mix = rng.normal(size=(14,))
    data = temperature[:, None] * mix + rng.normal(0, 1, (rows, 14))
    data[:, 1] = temperature
    header = ["Date Time", "p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
              "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)",
              "max. wv (m/s)", "wd (deg)"]
    lines = [",".join(f'"{h}"' for h in header)]
    lines += [f"{i:06d}," + ",".join(f"{v:.2f}" for v in row) for i, row in enumerate(data)]
    with open(path, "w") as f:
        f.write("\n".join(lines))  # no newline at the end: the notebook splits on "\n"


def timeseries_windows(data, targets, sampling_rate, sequence_length, start_index=0, end_index=None):
    """What ``keras.utils.timeseries_dataset_from_array`` yields, unshuffled and unbatched, as two
    arrays: window i holds data[start + i + j * sampling_rate] for j < sequence_length, with target
    targets[start + i] (float32)."""
    end_index = len(data) if end_index is None else end_index
    span = (sequence_length - 1) * sampling_rate
    starts = np.arange(start_index, min(end_index, len(data)) - span)
    windows = np.stack([data[s:s + span + 1:sampling_rate] for s in starts])
    return windows.astype(np.float32), np.asarray(targets)[starts].astype(np.float32)


def multi_hot(sequences, depth, ngrams=1):
    """Stands in for ``TextVectorization(max_tokens=depth, output_mode="multi_hot", ngrams=...)`` on
    texts already tokenised into word ids: 1.0 where a word (or, with ngrams=2, a pair of words,
    hashed into the same vocabulary) occurs, float32 (n, depth)."""
    out = np.zeros((len(sequences), depth), np.float32)
    for i, ids in enumerate(sequences):
        ids = np.asarray(ids)
        out[i, ids % depth] = 1.0
        if ngrams == 2:
            out[i, (ids[:-1] * 7919 + ids[1:]) % (depth - 1) + 1] = 1.0
    return out
