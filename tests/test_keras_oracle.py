"""seegrad.keras against Keras 3 itself (torch backend): the same program, the same initial
weights (copied from Keras), the same data in the same order; every epoch's loss, metrics and
weights, then evaluate and predict, must agree to float32 rounding. Every layer, optimizer, loss
and metric name that seegrad.keras supports is run here at least once."""
import io
import re

import numpy as np
import pytest

from keras_helpers import LOSS_TOL, compile_both, fit_both, oracle, per_lib, same_outputs, twins
from seegrad import keras as S
from seegrad.keras.layers.base import shape_text

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # Keras 3 on numpy 2
              pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")]  # Keras' advice; the textbook does


def data(shape, n=48, classes=None, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape))
    if classes is None:
        return x, None
    return x, rng.integers(0, classes, n)


def onehot(labels, classes):
    return np.eye(classes)[labels]


# ----------------------------------------------------------------- dense models, every optimizer and loss


def mlp(lib, out=3, activation="softmax", hidden="relu"):
    return lib.Sequential([lib.layers.Dense(8, activation=hidden, input_shape=(5,)),
                           lib.layers.Dense(out, activation=activation)])


OPTIMIZERS = [
    "adam", "sgd", "rmsprop", "adagrad",
    per_lib(lambda lib: lib.optimizers.SGD(learning_rate=0.05, momentum=0.9)),
    per_lib(lambda lib: lib.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)),
    per_lib(lambda lib: lib.optimizers.Adam(learning_rate=0.01, beta_1=0.8, amsgrad=True)),
    per_lib(lambda lib: lib.optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5)),
    per_lib(lambda lib: lib.optimizers.Adagrad(learning_rate=0.05, initial_accumulator_value=0.2)),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o if isinstance(o, str) else None)
def test_optimizers_match_keras(optimizer):
    x, labels = data((5,), classes=3)
    k, s = twins(mlp)
    compile_both(k, s, optimizer, "categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, onehot(labels, 3), epochs=3, batch_size=16)
    same_outputs(k, s, x, onehot(labels, 3))




CLIPPED_OR_DECAYED = [
    lambda lib: lib.optimizers.SGD(0.5, clipnorm=0.1),
    lambda lib: lib.optimizers.Adam(0.01, clipvalue=0.01),
    lambda lib: lib.optimizers.RMSprop(0.01, global_clipnorm=0.05),
    lambda lib: lib.optimizers.Adam(0.01, weight_decay=0.1),
    lambda lib: lib.optimizers.SGD(0.1, momentum=0.9, weight_decay=0.05, clipnorm=1.0),
    lambda lib: lib.optimizers.SGD(lib.optimizers.schedules.ExponentialDecay(0.5, 2, 0.5), weight_decay=0.3),
]


@pytest.mark.parametrize("optimizer", CLIPPED_OR_DECAYED, ids=["clipnorm", "clipvalue", "global_clipnorm",
                                                               "weight_decay", "decay-and-clip", "decay-scheduled"])
def test_gradient_clipping_and_weight_decay_match_keras(optimizer):
    """clipnorm / clipvalue / global_clipnorm on the gradients, then the decoupled weight decay (were refused);
    inputs scaled by 3 so that the clipping bites."""
    x, labels = data((5,), n=40, classes=3, seed=6)
    k, s = twins(mlp)
    compile_both(k, s, per_lib(optimizer), "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, 3 * x, labels, epochs=3, batch_size=8)
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        S.optimizers.Adam(clipnorm=1.0, clipvalue=0.5)

SCHEDULES = [
    lambda lib: lib.optimizers.SGD(lib.optimizers.schedules.ExponentialDecay(0.5, 3, 0.5)),
    lambda lib: lib.optimizers.SGD(lib.optimizers.schedules.ExponentialDecay(0.5, 3, 0.5, staircase=True),
                                   momentum=0.9),
    lambda lib: lib.optimizers.Adam(lib.optimizers.schedules.PiecewiseConstantDecay([4, 8], [0.05, 0.01, 0.001])),
    lambda lib: lib.optimizers.RMSprop(lib.optimizers.schedules.InverseTimeDecay(0.01, 2, 0.7, staircase=True)),
    lambda lib: lib.optimizers.SGD(lib.optimizers.schedules.PolynomialDecay(0.3, 7, 0.01, power=2.0, cycle=True)),
    lambda lib: lib.optimizers.SGD(lib.optimizers.schedules.PolynomialDecay(0.3, 7, 0.01, power=0.5)),
    lambda lib: lib.optimizers.Adagrad(lib.optimizers.schedules.CosineDecay(0.1, 9, alpha=0.1)),
    lambda lib: lib.optimizers.Adam(lib.optimizers.schedules.CosineDecay(0.001, 8, warmup_target=0.05,
                                                                         warmup_steps=5)),
]


@pytest.mark.parametrize("optimizer", SCHEDULES, ids=["exponential", "exponential-staircase", "piecewise",
                                                      "inverse-time", "polynomial-cycle", "polynomial", "cosine",
                                                      "cosine-warmup"])
def test_learning_rate_schedules_match_keras(optimizer):
    """The schedule's value at every step (15 updates: past the decays and boundaries), and the
    learning rate it reads after training; the summary counts no learning-rate variable."""
    keras = oracle()
    x, labels = data((5,), n=40, classes=3, seed=4)
    k, s = twins(mlp)
    compile_both(k, s, per_lib(optimizer), "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=3, batch_size=8)
    assert s.optimizer.learning_rate == float(keras.ops.convert_to_numpy(k.optimizer.learning_rate))
    printed = [[], []]
    k.summary(print_fn=lambda line, **kw: printed[0].append(line))
    s.summary(print_fn=printed[1].append)
    assert [ln for ln in "\n".join(printed[1]).splitlines() if "params:" in ln] == \
        [ln for ln in "\n".join(printed[0]).splitlines() if "params:" in ln]

LOSSES = [  # (loss, metrics, model args, targets)
    ("categorical_crossentropy", ["accuracy", "categorical_accuracy"], {}, "onehot"),
    ("sparse_categorical_crossentropy", ["accuracy", "sparse_categorical_accuracy"], {}, "labels"),
    ("binary_crossentropy", ["accuracy", "binary_accuracy"], {"out": 1, "activation": "sigmoid"}, "binary"),
    ("mse", ["mae", "mse"], {"out": 1, "activation": None}, "real"),
    ("mean_squared_error", ["mean_absolute_error"], {"out": 1, "activation": None}, "real"),
    ("mae", ["mean_squared_error"], {"out": 2, "activation": None}, "real2"),
    ("mean_absolute_error", None, {"out": 1, "activation": "tanh"}, "real"),
    (per_lib(lambda lib: lib.losses.BinaryCrossentropy(from_logits=True)), ["accuracy"],
     {"out": 1, "activation": None}, "binary"),
    (per_lib(lambda lib: lib.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)), ["acc"],
     {"activation": None}, "onehot"),
    (per_lib(lambda lib: lib.losses.SparseCategoricalCrossentropy(from_logits=True)), ["accuracy"],
     {"activation": None}, "labels"),
    (per_lib(lambda lib: lib.losses.BinaryCrossentropy(label_smoothing=0.2)), ["accuracy"],
     {"out": 1, "activation": "sigmoid"}, "binary"),
    (per_lib(lambda lib: lib.losses.MeanSquaredError()), [per_lib(lambda lib: lib.metrics.MeanAbsoluteError())],
     {"out": 1, "activation": None}, "real"),
]


def targets(kind, labels, x):
    return {"onehot": onehot(labels, 3), "labels": labels, "binary": (labels > 0).astype(np.int64),
            "real": x[:, :1] * 2 - x[:, 1:2], "real2": x[:, :2] * 0.5}[kind]


@pytest.mark.parametrize("loss,metrics,model_args,kind", LOSSES, ids=[
    (c[0] if isinstance(c[0], str) else f"object-{i}") for i, c in enumerate(LOSSES)])
def test_losses_and_metrics_match_keras(loss, metrics, model_args, kind):
    x, labels = data((5,), classes=3, seed=1)
    y = targets(kind, labels, x)
    k, s = twins(mlp, **model_args)
    compile_both(k, s, "adam", loss, metrics)
    fit_both(k, s, x, y, epochs=2, batch_size=16)
    same_outputs(k, s, x, y)


def test_precision_recall_and_auc_match_keras():
    """Precision, Recall (their thresholds), AUC by name and as objects (num_thresholds, summation methods,
    uneven thresholds, from_logits on raw scores: Keras clips them into its buckets), on binary and one-hot
    targets; EarlyStopping on val_auc knows it goes up. Named explicitly: Keras numbers unnamed ones per
    process (precision, precision_1...), as seegrad.keras does (checked after clear_session)."""
    keras = oracle()
    x, labels = data((5,), n=60, classes=3, seed=17)
    binary = (labels > 0).astype(np.float32)
    k, s = twins(mlp, 1, "sigmoid")
    compile_both(k, s, "adam", "binary_crossentropy", [
        "accuracy", per_lib(lambda lib: lib.metrics.Precision(name="precision")),
        per_lib(lambda lib: lib.metrics.Recall(thresholds=0.3, name="recall")), "AUC",
        per_lib(lambda lib: lib.metrics.AUC(num_thresholds=7, summation_method="minoring", name="auc7")),
        per_lib(lambda lib: lib.metrics.AUC(thresholds=[0.2, 0.5, 0.9], name="auc_uneven"))])
    fit_both(k, s, x, binary, epochs=3, batch_size=8, validation_split=0.25)
    same_outputs(k, s, x, binary)
    k, s = twins(mlp, 1, None)
    compile_both(k, s, "adam", per_lib(lambda lib: lib.losses.BinaryCrossentropy(from_logits=True)), [
        per_lib(lambda lib: lib.metrics.AUC(from_logits=True, name="auc")),
        per_lib(lambda lib: lib.metrics.AUC(summation_method="majoring", name="auc_of_scores"))])
    stop = per_lib(lambda lib: [lib.callbacks.EarlyStopping(monitor="val_auc", patience=1, restore_best_weights=True)])
    fit_both(k, s, x, binary, epochs=6, batch_size=8, validation_split=0.25, callbacks=stop)
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "categorical_crossentropy", [per_lib(lambda lib: lib.metrics.Precision(name="p")),
                                                             per_lib(lambda lib: lib.metrics.AUC(name="a"))])
    fit_both(k, s, x, onehot(labels, 3), epochs=2, batch_size=8)
    for lib in (keras, S):
        lib.utils.clear_session()
        assert [lib.metrics.Precision().name for _ in range(2)] + [lib.metrics.AUC().name] == \
            ["precision", "precision_1", "auc"]

STANDALONE = {  # what a textbook computes by hand, on numpy arrays (Keras takes them)
    "BinaryCrossentropy": lambda lib, t, p, l, w: lib.losses.BinaryCrossentropy()(t, p),
    "BinaryCrossentropy-weighted": lambda lib, t, p, l, w: lib.losses.BinaryCrossentropy()(t, p, sample_weight=w),
    "binary_crossentropy": lambda lib, t, p, l, w: lib.losses.binary_crossentropy(t, p),
    "categorical_crossentropy": lambda lib, t, p, l, w: lib.losses.categorical_crossentropy(t, p),
    "sparse_categorical_crossentropy": lambda lib, t, p, l, w: lib.losses.sparse_categorical_crossentropy(l, p),
    "SparseCategoricalCrossentropy-logits": lambda lib, t, p, l, w:
        lib.losses.SparseCategoricalCrossentropy(from_logits=True)(l, p),
    "MeanSquaredError-metric-weighted": lambda lib, t, p, l, w: measure(lib.metrics.MeanSquaredError(), t, p, w),
    "BinaryAccuracy-metric-weighted": lambda lib, t, p, l, w: measure(lib.metrics.BinaryAccuracy(), t, p, w[:, None]),
    "Precision-weighted": lambda lib, t, p, l, w: measure(lib.metrics.Precision(), t, p, w),
    "AUC-weighted": lambda lib, t, p, l, w: measure(lib.metrics.AUC(), t, p, w),
    "relu": lambda lib, t, p, l, w: lib.activations.relu(p - 0.5),
    "softmax": lambda lib, t, p, l, w: lib.activations.softmax(p),
}


def measure(metric, y_true, y_pred, sample_weight):
    metric.update_state(y_true, y_pred, sample_weight=sample_weight)
    return metric.result()


@pytest.mark.parametrize("name", list(STANDALONE))
def test_losses_metrics_and_activations_on_numpy_arrays_match_keras(name):
    """Called by hand on numpy arrays (they raised: 'ndarray' has no attribute 'clamp'), and metrics
    with sample_weight (refused): Keras' numbers."""
    keras = oracle()
    y_true, y_pred = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([[0.2, 0.7], [0.6, 0.1], [0.9, 0.3]])
    labels, weights = np.array([1, 0, 0]), np.array([1.0, 2.0, 0.5])
    theirs = keras.ops.convert_to_numpy(STANDALONE[name](keras, y_true, y_pred, labels, weights))
    ours = STANDALONE[name](S, y_true, y_pred, labels, weights)
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    assert ours.shape == np.shape(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)

MORE_LOSSES = [  # (loss, outputs, last activation, targets): each loss on targets in its domain
    ("hinge", 1, None, "binary"), ("squared_hinge", 1, "tanh", "plus-minus"), ("categorical_hinge", 3, None, "onehot"),
    ("huber", 3, None, "real3"), (per_lib(lambda lib: lib.losses.Huber(delta=0.3)), 3, None, "real3"),
    ("log_cosh", 3, None, "real3"), ("kld", 3, "softmax", "smoothed"), ("KLDivergence", 3, "softmax", "onehot"),
    ("poisson", 3, "softplus", "positive"), ("mape", 3, None, "positive"), ("msle", 3, "relu", "positive"),
    ("cosine_similarity", 3, None, "real3"),
    (per_lib(lambda lib: lib.losses.CosineSimilarity(reduction="sum")), 3, None, "real3"),
]


@pytest.mark.parametrize("loss,out,activation,kind", MORE_LOSSES, ids=[
    (c[0] if isinstance(c[0], str) else f"object-{i}") for i, c in enumerate(MORE_LOSSES)])
def test_more_losses_match_keras(loss, out, activation, kind):
    """Keras' other losses by name and as objects (they were refused): hinge family (0/1 labels read as -1/1),
    Huber(delta), log-cosh, KL divergence, Poisson, MAPE, MSLE, cosine similarity."""
    x, labels = data((5,), n=40, classes=3, seed=22)
    binary = (labels > 0).astype(np.float64)[:, None]
    y = {"binary": binary, "plus-minus": 2 * binary - 1, "onehot": onehot(labels, 3),
         "smoothed": 0.8 * onehot(labels, 3) + 0.2 / 3, "real3": 2 * x[:, :3], "positive": np.abs(x[:, :3]) + 0.1}[kind]
    k, s = twins(mlp, out, activation)
    compile_both(k, s, "adam", loss, ["mae"])
    fit_both(k, s, x, y, epochs=3, batch_size=8)
    same_outputs(k, s, x, y)

def test_labels_of_shape_n_against_one_output_do_not_broadcast():
    """(N,) labels against a (N, 1) output: Keras expands them; broadcasting to (N, N) would be wrong."""
    x, labels = data((5,), classes=2)
    for loss in ("binary_crossentropy", "mse"):
        k, s = twins(mlp, 1, "sigmoid")
        compile_both(k, s, "sgd", loss, ["accuracy"])
        fit_both(k, s, x, labels, epochs=2, batch_size=16)


# ----------------------------------------------------------------- layers


def cnn(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((9, 9, 2)), L.Conv2D(4, (3, 3), activation="relu"), L.MaxPooling2D((2, 2)),
                           L.Conv2D(3, 3, strides=2, padding="same", use_bias=False),
                           L.AveragePooling2D(2, strides=1, padding="same"),
                           L.Conv2D(2, (2, 3), padding="same", dilation_rate=1, activation="tanh"),
                           L.MaxPooling2D(3, strides=2, padding="same"), L.Flatten(), L.Dense(3, activation="softmax")])


def rnn(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((6, 4)), L.LSTM(5, return_sequences=True), L.GRU(4, return_sequences=True),
                           L.SimpleRNN(3, return_sequences=True, activation="relu"), L.LSTM(3, go_backwards=True),
                           L.Dense(1, activation="sigmoid")])


def rnn_variants(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((5, 3)), L.GRU(4, return_sequences=True, go_backwards=True),
                           L.SimpleRNN(4, use_bias=False, return_sequences=True),
                           L.LSTM(2, unit_forget_bias=False, use_bias=False), L.Dense(1)])


def normalized(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((4, 4, 2)), L.Conv2D(3, 2, use_bias=False), L.BatchNormalization(),
                           L.Activation("relu"), L.Flatten(), L.Dense(6, use_bias=False),
                           L.BatchNormalization(momentum=0.9, epsilon=1e-2), L.Activation("tanh"),
                           L.Dense(3, activation="softmax")])


def embedded(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((6,), dtype="int32"), L.Embedding(10, 4), L.Reshape((3, 8)),
                           L.Flatten(), L.Dropout(0.0), L.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize("make,shape,loss,y_kind", [
    (cnn, (9, 9, 2), "categorical_crossentropy", "onehot"),
    (rnn, (6, 4), "binary_crossentropy", "binary"),
    (rnn_variants, (5, 3), "mse", "real"),
    (normalized, (4, 4, 2), "sparse_categorical_crossentropy", "labels"),
], ids=["conv-pool", "lstm-gru-simplernn", "rnn-options", "batchnorm"])
def test_layers_match_keras(make, shape, loss, y_kind):
    x, labels = data(shape, n=32, classes=3, seed=2)
    flat = x.reshape(len(x), -1)
    y = targets(y_kind, labels, flat)
    k, s = twins(make)
    compile_both(k, s, "adam", loss, ["accuracy"] if y_kind != "real" else None)
    fit_both(k, s, x, y, epochs=3, batch_size=8)
    same_outputs(k, s, x, y)


def rnn_activations(lib, gru_reset_after=True):
    """Recurrent layers with activations the fused ops do not compute, and GRU(reset_after=False): Keras' loop."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((6, 4)),
        L.SimpleRNN(5, activation="sigmoid", return_sequences=True),
        L.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True),
        L.GRU(4, reset_after=gru_reset_after, activation="softsign", return_sequences=True, go_backwards=True),
        L.GRU(3, reset_after=False),
        L.Dense(1)])


@pytest.mark.parametrize("gru_reset_after", [True, False])
def test_recurrent_layers_with_other_activations_and_reset_before_match_keras(gru_reset_after, tmp_path):
    x, _ = data((6, 4), n=32, seed=5)
    y = np.tanh(x.sum(axis=(1, 2)))[:, None]
    k, s = twins(rnn_activations, gru_reset_after)
    assert s.get_weights()[-3].shape == (9,)  # GRU(3, reset_after=False): one bias (3 units,)
    same_outputs(k, s, x)
    compile_both(k, s, "adam", "mse")
    fit_both(k, s, x, y, epochs=3, batch_size=8)
    same_outputs(k, s, x, y)
    s.save(tmp_path / "rnn.keras")  # the options survive saving: the reloaded model computes the same
    np.testing.assert_allclose(S.models.load_model(tmp_path / "rnn.keras").predict(x, verbose=0), s.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)


def regularized_rnn(lib):
    L, R = lib.layers, lib.regularizers
    return lib.Sequential([
        lib.Input((6, 4)),
        L.LSTM(5, return_sequences=True, kernel_regularizer="l2", recurrent_regularizer=R.L1(0.02),
               bias_regularizer=R.L1L2(l1=0.01, l2=0.03)),
        L.GRU(4, kernel_regularizer=R.l1_l2(l1=0.01, l2=0.01), activity_regularizer="l2"),
        L.Dense(6, activation="relu", kernel_regularizer=R.l2(0.05), bias_regularizer="l1",
                activity_regularizer=R.L1(0.01)),
        L.BatchNormalization(gamma_regularizer="l2", beta_regularizer=R.L1(0.1)),
        L.Dense(3, activation="softmax", kernel_regularizer=R.L2(0.02))])


def regularized_cnn(lib):
    L, R = lib.layers, lib.regularizers
    return lib.Sequential([lib.Input((6, 6, 2)), L.Conv2D(3, 2, kernel_regularizer=R.l2(0.05), bias_regularizer="l1",
                                                          activity_regularizer="l2"),
                           L.Flatten(), L.Dense(3, activation="softmax")])


def regularized_embedding(lib):
    return lib.Sequential([lib.Input((5,), dtype="int32"),
                           lib.layers.Embedding(10, 3, embeddings_regularizer=lib.regularizers.l2(0.1)),
                           lib.layers.Flatten(), lib.layers.Dense(3, activation="softmax")])


@pytest.mark.parametrize("make,x", [
    (regularized_rnn, np.random.default_rng(2).normal(size=(40, 6, 4))),
    (regularized_cnn, np.random.default_rng(2).normal(size=(40, 6, 6, 2))),
    (regularized_embedding, np.random.default_rng(2).integers(0, 10, (40, 5))),
], ids=["rnn-dense-batchnorm", "conv", "embedding"])
def test_regularizers_add_to_the_loss_as_keras(make, x):
    """Weight and activity penalties join the loss fit trains on and reports, and evaluate's; a frozen
    layer's weights add nothing."""
    labels = np.random.default_rng(3).integers(0, 3, len(x))
    k, s = twins(make)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=3, batch_size=8, validation_split=0.25)
    same_outputs(k, s, x, labels)
    np.testing.assert_allclose(s.train_on_batch(x, labels), k.train_on_batch(x, labels), rtol=1e-5)
    k.layers[0].trainable = s.layers[0].trainable = False
    compile_both(k, s, "sgd", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=2, batch_size=8)
    same_outputs(k, s, x, labels)

@pytest.mark.filterwarnings("ignore:`build\\(\\)` was called", "ignore:Gradients do not exist")  # Keras' own notes
def test_activity_penalty_of_a_layer_the_call_skips_is_not_added():
    """A layer called in training only: evaluate's loss has no activity penalty of it (here the
    penalty of the last training batch stayed and was added)."""
    keras = oracle()
    x = np.random.default_rng(21).normal(size=(16, 3))

    def make(lib):
        class Branches(lib.Model):
            def __init__(self):
                super().__init__()
                self.train_path = lib.layers.Dense(2, activity_regularizer=lib.regularizers.L2(1.0))
                self.test_path = lib.layers.Dense(2)

            def call(self, inputs, training=False):
                return self.train_path(inputs) if training else self.test_path(inputs)
        model = Branches()
        model(x[:1])
        model.train_path(x[:1])
        return model
    k, s = twins(make)
    compile_both(k, s, "sgd", "mse")
    fit_both(k, s, x, x[:, :2], epochs=2, batch_size=8)
    np.testing.assert_allclose(s.evaluate(x, x[:, :2], verbose=0), k.evaluate(x, x[:, :2], verbose=0), **LOSS_TOL)
    assert keras.__version__.startswith("3.")

def test_embedding_with_integer_ids_matches_keras():
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 10, (40, 6)), rng.integers(0, 2, 40)
    k, s = twins(embedded)
    compile_both(k, s, "rmsprop", "binary_crossentropy", ["accuracy"])
    fit_both(k, s, x, y, epochs=3, batch_size=8)
    same_outputs(k, s, x, y)


def test_batchnorm_moving_statistics_and_sgd_match_keras():
    def make(lib):
        return lib.Sequential([lib.layers.Dense(6, input_dim=5), lib.layers.BatchNormalization(),
                               lib.layers.Dense(1)])
    x, _ = data((5,), n=40, seed=4)
    y = x[:, :1] - x[:, 1:2]
    k, s = twins(make)
    compile_both(k, s, per_lib(lambda lib: lib.optimizers.SGD(0.1)), "mse")
    fit_both(k, s, x, y, epochs=3, batch_size=10)  # the weights compared include moving_mean / moving_variance
    same_outputs(k, s, x, y)


def test_pretrained_embedding_through_a_constant_initializer_matches_keras():
    """Keras' GloVe recipe: Embedding(..., embeddings_initializer=Constant(matrix), trainable=False)
    (Constant took only a number and raised on the matrix)."""
    keras = oracle()
    matrix = np.random.default_rng(19).normal(size=(10, 4)).astype(np.float32)
    ids = np.random.default_rng(20).integers(0, 10, (8, 5))
    outputs = []
    for lib in (keras, S):
        model = lib.Sequential([lib.Input((5,), dtype="int32"), lib.layers.Embedding(
            10, 4, embeddings_initializer=lib.initializers.Constant(matrix), trainable=False)])
        outputs.append(model.predict(ids, verbose=0))
        assert model.count_params() == 40 and not model.trainable_weights
    np.testing.assert_array_equal(outputs[1], outputs[0])
    np.testing.assert_array_equal(outputs[1], matrix[ids])

def test_dropout_is_inference_identity_and_scales_in_training():
    keras = oracle()

    def make(lib):
        return lib.Sequential([lib.Input((200,)), lib.layers.Dropout(0.25)])
    k, s = twins(make)
    x = np.ones((50, 200), np.float32)
    np.testing.assert_array_equal(s.predict(x, verbose=0), k.predict(x, verbose=0))  # identity outside fit
    out = s(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}  # kept values scaled by 1/(1-rate)
    assert abs((out == 0).mean() - 0.25) < 0.02
    kout = keras.ops.convert_to_numpy(k(x, training=True))
    assert set(np.unique(kout)) == set(np.unique(out))


def test_activations_by_name_match_keras():
    names = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus", "silu", "swish", "gelu",
             "relu6", "leaky_relu", "log_softmax", "mish", "exponential", None]

    def make(lib, name, as_layer):
        if as_layer:
            return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5), lib.layers.Activation(name)])
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation=name)])
    x = np.random.default_rng(5).normal(size=(7, 4)) * 2
    for name in names:
        for as_layer in (False, True):
            k, s = twins(make, name, as_layer)
            np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), rtol=1e-5, atol=1e-6,
                                       err_msg=str(name))


def test_functional_model_and_input_layer_match_keras():
    def make(lib):
        inputs = lib.Input(shape=(6,))
        x = lib.layers.Dense(8, activation="relu")(inputs)
        x = lib.layers.Reshape((2, 4))(x)
        x = lib.layers.Flatten()(x)
        return lib.Model(inputs, lib.layers.Dense(2, activation="softmax")(x))
    x, labels = data((6,), classes=2, seed=6)
    k, s = twins(make)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=2, batch_size=16)
    same_outputs(k, s, x, labels)


def test_functional_layers_start_with_the_input_layer_as_keras():
    """A functional model's layers[0] is its InputLayer (model.layers[1] is the first Dense, as in Keras;
    it was the second Dense); get_layer by name and index; the summary table and the model's name."""
    keras = oracle()
    tables, names = [], []
    for lib in (keras, S):
        lib.utils.clear_session()
        inputs = lib.Input((5,))
        model = lib.Model(inputs, lib.layers.Dense(3)(lib.layers.Dense(4, activation="relu")(inputs)))
        names.append([(layer.name, type(layer).__name__) for layer in model.layers])
        assert model.get_layer(index=1) is model.layers[1] and model.get_layer("dense") is model.layers[2]
        assert model.layers[0].get_weights() == [] and model.layers[1].get_weights()[0].shape == (5, 4)
        lines = []
        model.summary(print_fn=lambda line, **kw: lines.append(line))
        tables.append("\n".join(lines).strip())
        sequential = lib.Sequential([lib.layers.InputLayer(shape=(5,)), lib.layers.Dense(2)])
        assert [type(layer).__name__ for layer in sequential.layers] == ["Dense"]
    assert names[1] == names[0] == [("input_layer", "InputLayer"), ("dense_1", "Dense"), ("dense", "Dense")]
    assert tables[1] == tables[0]

def test_initial_weights_follow_keras_initialisers():
    """Not the same random numbers (numpy's generator), but Keras' shapes, limits and statistics."""
    S.utils.set_random_seed(0)
    dense = S.layers.Dense(300, input_shape=(200,))
    S.Sequential([dense])
    limit = np.sqrt(6 / (200 + 300))  # glorot_uniform
    kernel, bias = dense.get_weights()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.99 * limit and not bias.any()
    lstm = S.layers.LSTM(16)
    S.Sequential([S.Input((3, 8)), lstm])
    _, recurrent, lstm_bias = lstm.get_weights()
    assert recurrent.shape == (16, 64)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(16), atol=1e-5)  # orthogonal rows
    np.testing.assert_array_equal(lstm_bias, np.r_[np.zeros(16), np.ones(16), np.zeros(32)])  # unit_forget_bias
    emb = S.layers.Embedding(50, 8)
    S.Sequential([S.Input((2,)), emb])
    assert np.abs(emb.get_weights()[0]).max() <= 0.05


# ----------------------------------------------------------------- the training loop


def test_validation_split_and_validation_data_match_keras():
    x, labels = data((5,), n=50, classes=3, seed=7)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    hk, _ = fit_both(k, s, x, labels, epochs=2, batch_size=8, validation_split=0.3)
    assert {"val_loss", "val_accuracy"} <= set(hk.history)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x[:30], labels[:30], epochs=2, batch_size=32, validation_data=(x[30:], labels[30:]))


def test_validation_freq_history_holds_only_the_validated_epochs_as_keras(tmp_path):
    """validation_freq=2: history["val_loss"] has one value per validation (2 of 4 epochs), as Keras' (not NaN-padded)."""
    x, labels = data((5,), n=40, classes=3, seed=7)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    hk, hs = fit_both(k, s, x, labels, epochs=4, batch_size=8, validation_split=0.25, validation_freq=2)
    assert len(hs.history["val_loss"]) == len(hk.history["val_loss"]) == 2 and len(hs.history["loss"]) == 4
    assert hs.best("val_loss")[0] in (1, 3)  # seegrad's History views know which epochs were validated
    assert np.isnan(hs.records()[0]["val_loss"]) and hs.records()[1]["val_loss"] == hs.history["val_loss"][0]
    pytest.importorskip("matplotlib")
    hs.plot(tmp_path / "h.png")

def test_sample_and_class_weights_match_keras():
    """sample_weight (split by validation_split too), class_weight (by label, one-hot or binary),
    validation_data's third element, evaluate and *_on_batch: the loss weighted, the metrics not."""
    keras = oracle()
    x, labels = data((5,), n=40, classes=3, seed=9)
    weights = np.random.default_rng(9).random(40) * 2
    k, s = twins(mlp)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=3, batch_size=8, validation_split=0.25, sample_weight=weights)
    for method in ("evaluate", "train_on_batch", "test_on_batch"):
        kw = {"verbose": 0} if method == "evaluate" else {}
        np.testing.assert_allclose(getattr(s, method)(x, labels, sample_weight=weights, **kw),
                                   getattr(k, method)(x, labels, sample_weight=weights, **kw), **LOSS_TOL)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, onehot(labels, 3), epochs=3, batch_size=8, validation_split=0.25, class_weight={0: 0.5, 1: 3.0})
    np.testing.assert_allclose(s.train_on_batch(x, onehot(labels, 3), class_weight={2: 4.0}),
                               k.train_on_batch(x, onehot(labels, 3), class_weight={2: 4.0}), **LOSS_TOL)
    binary = (labels > 0).astype(np.float32)
    k, s = twins(mlp, 1, "sigmoid")
    compile_both(k, s, "sgd", "binary_crossentropy", ["accuracy"])
    fit_both(k, s, x, binary, epochs=3, batch_size=8, validation_data=(x[:10], binary[:10], weights[:10]),
             class_weight={0: 1.0, 1: 5.0})
    k, s = twins(mlp, 2, None)
    compile_both(k, s, "sgd", per_lib(lambda lib: lib.losses.MeanSquaredError(reduction="sum")), ["mae"])
    fit_both(k, s, x, x[:, :2], epochs=3, batch_size=8, sample_weight=weights.reshape(-1, 1))
    with pytest.raises(ValueError, match="cannot `class_weight` and `sample_weight` at the same time"):
        s.fit(x, x[:, :2], sample_weight=weights, class_weight={0: 1.0}, verbose=0)
    assert keras.__version__.startswith("3.")

def test_default_batch_size_and_uneven_last_batch_match_keras():
    x, labels = data((5,), n=70, classes=3, seed=8)  # 32 + 32 + 6
    k, s = twins(mlp)
    compile_both(k, s, "sgd", "sparse_categorical_crossentropy", ["accuracy"])
    fit_both(k, s, x, labels, epochs=2)


def test_train_test_predict_on_batch_match_keras():
    x, labels = data((5,), n=20, classes=2, seed=9)
    k, s = twins(mlp, 1, "sigmoid")
    compile_both(k, s, "adam", "binary_crossentropy", ["accuracy"])
    for i in range(4):
        batch = slice(5 * i, 5 * i + 5)
        np.testing.assert_allclose(s.train_on_batch(x[batch], labels[batch]),
                                   k.train_on_batch(x[batch], labels[batch]), **dict(rtol=1e-5, atol=1e-6))
    np.testing.assert_allclose(s.test_on_batch(x, labels), k.test_on_batch(x, labels), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.predict_on_batch(x), k.predict_on_batch(x), rtol=1e-5, atol=1e-6)
    assert s.train_on_batch(x[:3], labels[:3], return_dict=True).keys() == \
        k.train_on_batch(x[:3], labels[:3], return_dict=True).keys()


def test_frozen_layers_and_nested_models_match_keras():
    """The GAN pattern: a frozen model inside another, trained through it; then unfrozen."""
    def make(lib):
        g = lib.Sequential([lib.layers.Dense(4, activation="relu", input_shape=(3,)), lib.layers.Dense(2)])
        d = lib.Sequential([lib.layers.Dense(4, activation="tanh", input_shape=(2,)),
                            lib.layers.Dense(1, activation="sigmoid")])
        d.compile(optimizer="adam", loss="binary_crossentropy")
        d.trainable = False
        gan = lib.Sequential([g, d])
        gan.compile(optimizer="adam", loss="binary_crossentropy")
        return gan
    k, s = twins(make)
    kg, kd = k.layers
    sg, sd = s.layers
    rng = np.random.default_rng(10)
    for step in range(3):
        z, real = rng.normal(size=(6, 3)), rng.normal(size=(6, 2)) + 2
        for d, g, model in ((kd, kg, k), (sd, sg, s)):
            d.trainable = True
            d.train_on_batch(np.concatenate([real, g.predict(z, verbose=0)]), np.r_[np.ones(6), np.zeros(6)])
            d.trainable = False
            model.train_on_batch(z, np.ones(6))
        for a, b in zip(k.get_weights(), s.get_weights()):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert len(s.trainable_weights) == len(k.trainable_weights) == 4  # the generator's


def test_an_optimizer_serves_only_the_weights_it_was_built_with_as_keras():
    """Keras refuses an optimizer reused by a second model, or a layer unfrozen after the first step
    (recompiled or not); seegrad.keras trained the first model's weights and skipped the others."""
    keras = oracle()
    x = np.random.default_rng(16).normal(size=(16, 3))
    for lib in (keras, S):
        optimizer = lib.optimizers.SGD(0.1)
        first, second = (lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)]) for _ in range(2))
        first.compile(optimizer, "mse")
        first.fit(x, x[:, :1], verbose=0)
        second.compile(optimizer, "mse")
        before = first.get_weights()
        with pytest.raises(ValueError, match="Unknown variable"):
            second.fit(x, x[:, :1], verbose=0)
        if lib is S:
            for a, b in zip(before, first.get_weights()):
                np.testing.assert_array_equal(a, b)
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2), lib.layers.Dense(1)])
        model.layers[0].trainable = False
        model.compile(lib.optimizers.SGD(0.1), "mse")
        model.fit(x, x[:, :1], verbose=0)
        model.layers[0].trainable = True
        for _ in range(2):
            with pytest.raises(ValueError, match="Unknown variable"):
                model.fit(x, x[:, :1], verbose=0)
            model.compile(model.optimizer, "mse")

def test_early_stopping_and_history_match_keras():
    x, labels = data((5,), n=40, classes=3, seed=11)
    k, s = twins(mlp)
    compile_both(k, s, per_lib(lambda lib: lib.optimizers.SGD(3.0)), "sparse_categorical_crossentropy", ["accuracy"])
    stop = per_lib(lambda lib: [lib.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                                            restore_best_weights=True)])
    hk, hs = fit_both(k, s, x, labels, epochs=15, batch_size=8, validation_split=0.25, callbacks=stop)
    assert len(hk.epoch) < 15  # it did stop early (a large step size overshoots)
    for a, b in zip(k.get_weights(), s.get_weights()):  # the best epoch's weights restored in both
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert s.history is hs


LR_CALLBACKS = [  # (optimizer, callbacks): plateaus reached within 8 epochs at these step sizes
    ("sgd-2", lambda lib: [lib.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.3)]),
    ("sgd-2", lambda lib: [lib.callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.2, patience=0,
                                                           cooldown=2, min_delta=0.01)]),
    ("adam", lambda lib: [lib.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=2, mode="max")]),
    ("adam", lambda lib: [lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 2 else lr)]),
    ("rmsprop", lambda lib: [lib.callbacks.LearningRateScheduler(lambda epoch: 0.01 / (epoch + 1))]),
]


@pytest.mark.parametrize("optimizer,callbacks", LR_CALLBACKS, ids=["plateau-min_lr", "plateau-cooldown",
                                                                   "plateau-max", "scheduler", "scheduler-epoch"])
def test_learning_rate_callbacks_match_keras(optimizer, callbacks):
    """ReduceLROnPlateau and LearningRateScheduler: every epoch's loss, weights and history["learning_rate"]."""
    x, labels = data((5,), n=40, classes=3, seed=5)
    k, s = twins(mlp)
    opt = per_lib(lambda lib: lib.optimizers.SGD(2.0)) if optimizer == "sgd-2" else optimizer
    compile_both(k, s, opt, "sparse_categorical_crossentropy", ["accuracy"])
    hk, hs = fit_both(k, s, x, labels, epochs=8, batch_size=8, validation_split=0.25, callbacks=per_lib(callbacks))
    assert len(set(hs.history["learning_rate"])) > 1  # it did change the learning rate

def test_callback_hooks_run_as_in_keras():
    """A callback's on_batch_begin/on_batch_end (Keras 3 runs them from the training-batch hooks) and its
    on_test_* hooks during fit's validation, with fit's params; LambdaCallback(on_batch_end=...). Here
    they never ran: a Keras callback written that way silently did nothing."""
    keras = oracle()
    x = np.random.default_rng(18).normal(size=(20, 3))
    seen = []
    for lib in (keras, S):
        calls = []

        class Recorder(lib.callbacks.Callback):
            def on_batch_begin(self, batch, logs=None):
                calls.append(("batch_begin", batch))

            def on_batch_end(self, batch, logs=None):
                calls.append(("batch_end", batch, sorted(logs)))

            def on_test_begin(self, logs=None):
                calls.append(("test_begin", self.params["steps"]))

            def on_test_batch_end(self, batch, logs=None):
                calls.append(("test_batch_end", batch))

            def on_test_end(self, logs=None):
                calls.append(("test_end", sorted(logs)))

            def on_epoch_end(self, epoch, logs=None):
                calls.append(("epoch_end", dict(self.params), sorted(logs)))

        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
        model.compile("sgd", "mse", metrics=["mae"])
        model.fit(x, x[:, :1], batch_size=8, epochs=2, validation_split=0.5, verbose=0, callbacks=[Recorder()])
        model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0,
                  callbacks=[lib.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: calls.append(batch))])
        seen.append(calls)
    assert seen[1] == seen[0]
    assert ("test_begin", 2) in seen[1] and seen[1][-3:] == [0, 1, 2]

def test_model_checkpoint_keeps_the_best_model(tmp_path):
    x, labels = data((5,), n=40, classes=3, seed=12)
    k, s = twins(mlp)
    compile_both(k, s, per_lib(lambda lib: lib.optimizers.SGD(3.0)), "sparse_categorical_crossentropy", ["accuracy"])
    best = str(tmp_path / "best.keras")
    hk, hs = fit_both(k, s, x, labels, epochs=6, batch_size=8, validation_split=0.25, callbacks=per_lib(
        lambda lib: [lib.callbacks.ModelCheckpoint(best if lib is S else str(tmp_path / "k.keras"),
                                                   save_best_only=True, monitor="val_loss")]))
    restored = S.models.load_model(best)
    best_epoch = int(np.argmin(hs.history["val_loss"]))
    keras_best = oracle().models.load_model(str(tmp_path / "k.keras"))
    np.testing.assert_allclose(restored.predict(x, verbose=0), keras_best.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    assert best_epoch == int(np.argmin(hk.history["val_loss"]))


def test_summary_counts_match_keras():
    keras = oracle()
    for make in (cnn, rnn, normalized, embedded):
        k, s = twins(make)
        assert s.count_params() == k.count_params()
        assert sum(w.numel() for w in s.trainable_weights) == sum(int(np.prod(w.shape)) for w in k.trainable_weights)
        text, lines = [], []
        s.summary(print_fn=text.append)
        k.summary(print_fn=lambda line, **kw: lines.append(line))
        totals = [ln.strip() for ln in "\n".join(text).splitlines() if "params:" in ln]
        keras_totals = [ln.strip() for ln in "\n".join(lines).splitlines() if "params:" in ln]
        assert totals == keras_totals  # " Total params: 1,234 (4.82 KB)" and the two others, as Keras prints them
        for layer in s.layers:  # the output shapes Keras prints
            assert shape_text(layer.output_shape) in "\n".join(lines)
    assert keras.__version__.startswith("3.")


def test_verbose_lines_carry_keras_figures(capsys):
    x, labels = data((5,), n=40, classes=3, seed=13)
    k, s = twins(mlp)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", ["accuracy"])
    printed = []
    for model in (k, s):
        model.fit(x, labels, epochs=2, batch_size=16, shuffle=False, verbose=2, validation_split=0.2)
        model.evaluate(x, labels, verbose=2)
        out = capsys.readouterr().out
        printed.append([" - ".join(p for p in line.split(" - ") if ":" in p or "Epoch" in p)
                        for line in out.splitlines() if line.strip()])
    assert printed[1] == printed[0]
    assert printed[1][0] == "Epoch 1/2"
    summaries = [[], []]
    k.summary(print_fn=lambda line, **kw: summaries[0].append(line))
    s.summary(print_fn=summaries[1].append)
    assert [ln for ln in "\n".join(summaries[1]).splitlines() if "params:" in ln] == \
        [ln for ln in "\n".join(summaries[0]).splitlines() if "params:" in ln]  # Optimizer params too, after fit


def test_one_epoch_line_and_a_callbacks_figure_print_as_keras(capsys):
    """epochs=1 prints no "Epoch 1/1"; a figure a callback adds (learning_rate) is printed, last."""
    keras = oracle()
    x, labels = data((5,), n=20, classes=3, seed=13)
    k, s = twins(mlp)
    printed = []
    for model, lib in ((k, keras), (s, S)):
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, labels, epochs=1, verbose=2, shuffle=False, validation_split=0.2,
                  callbacks=[lib.callbacks.ReduceLROnPlateau(monitor="loss")])
        printed.append([line.split(" - ", 3)[-1] for line in capsys.readouterr().out.splitlines() if line.strip()])
    assert printed[1] == printed[0]
    assert len(printed[1]) == 1 and "Epoch" not in printed[1][0]
    assert printed[1][0].endswith("learning_rate: 0.0100")

def test_save_and_load_model_continue_training_like_an_uninterrupted_run(tmp_path):
    x, labels = data((5,), n=32, classes=3, seed=14)
    S.utils.set_random_seed(0)
    model = mlp(S)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    again = S.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    h1 = model.fit(x, labels, epochs=2, batch_size=8, shuffle=False, verbose=0)
    h2 = again.fit(x, labels, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert h1.history == h2.history  # optimizer moments and step count came back too
    fresh = mlp(S)
    fresh.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(fresh.get_weights(), S.models.load_model(tmp_path / "m.keras").get_weights()):
        np.testing.assert_array_equal(a, b)  # the weights saved before the extra epochs
    with pytest.raises(ValueError, match="not a seegrad-keras-model file"):
        S.models.load_model(tmp_path / "m.weights.h5")


def test_return_state_matches_keras():
    keras = oracle()
    x = np.random.default_rng(15).normal(size=(3, 5, 4)).astype(np.float32)
    for name in ("LSTM", "GRU", "SimpleRNN"):
        def make(lib):
            return lib.Sequential([lib.layers.InputLayer(shape=(5, 4)), getattr(lib.layers, name)(3, return_sequences=True)])
        k, s = twins(make)
        k_layer, s_layer = getattr(keras.layers, name)(3, return_state=True), getattr(S.layers, name)(3, return_state=True)
        k_out = k_layer(x)
        s_layer(x)  # builds it
        s_layer.set_weights(k_layer.get_weights())
        s_out = s_layer(x)
        assert len(s_out) == len(k_out) == (3 if name == "LSTM" else 2)
        for a, b in zip(k_out, s_out):
            np.testing.assert_allclose(b.detach().numpy(), keras.ops.convert_to_numpy(a), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                                  "lecun_normal", "orthogonal", "uniform", "normal", "truncated_normal", "zeros",
                                  "ones"])
def test_initializers_draw_from_keras_distributions(name):
    """Other random numbers than Keras', from the same distribution: the moments and the range agree."""
    keras = oracle()
    shape = (3, 3, 40, 60)
    keras.utils.set_random_seed(0)
    theirs = keras.ops.convert_to_numpy(keras.initializers.get(name)(shape))
    S.utils.set_random_seed(0)
    ours = S.initializers.get(name)(shape)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    q = [0.001, 0.5, 0.999]  # robust range: Keras' truncated normal keeps a rare draw beyond 2 sd
    np.testing.assert_allclose([ours.mean(), ours.std(), *np.quantile(ours, q)],
                               [theirs.mean(), theirs.std(), *np.quantile(theirs, q)], rtol=0.05,
                               atol=0.05 * theirs.std() + 1e-7)
    if "uniform" in name:  # bounded: the same limits
        np.testing.assert_allclose([ours.min(), ours.max()], [theirs.min(), theirs.max()], rtol=0.01)


def test_seeds_of_initializers_and_dropout_repeat_as_in_keras():
    """Keras 3: an initializer instance draws the same numbers at every call (seeded or not), two with the
    same seed agree, a shared instance gives two layers the same kernel; Dropout(seed) repeats its masks."""
    keras = oracle()
    x = np.ones((4, 50), np.float32)
    for lib in (keras, S):
        def values(a):
            return np.asarray(keras.ops.convert_to_numpy(a) if lib is keras else a)
        for make in (lambda: lib.initializers.GlorotUniform(), lambda: lib.initializers.HeNormal(seed=3),
                     lambda: lib.initializers.Orthogonal(seed=3), lambda: lib.initializers.RandomUniform(seed=3),
                     lambda: lib.initializers.TruncatedNormal(seed=3)):
            init = make()
            assert np.array_equal(values(init((6, 5))), values(init((6, 5)))), (lib.__name__, init)
        assert np.array_equal(values(lib.initializers.HeNormal(seed=7)((6, 5))),
                              values(lib.initializers.HeNormal(seed=7)((6, 5))))
        assert not np.array_equal(values(lib.initializers.HeNormal(seed=7)((6, 5))),
                                  values(lib.initializers.HeNormal(seed=8)((6, 5))))
        shared = lib.initializers.HeNormal()
        w = lib.Sequential([lib.Input((4,)), lib.layers.Dense(4, kernel_initializer=shared),
                            lib.layers.Dense(4, kernel_initializer=shared)]).get_weights()
        assert np.array_equal(w[0], w[2])
        w = lib.Sequential([lib.Input((4,)), lib.layers.Dense(4, kernel_initializer="he_normal"),
                            lib.layers.Dense(4, kernel_initializer="he_normal")]).get_weights()
        assert not np.array_equal(w[0], w[2])
        first, again = lib.layers.Dropout(0.5, seed=1), lib.layers.Dropout(0.5, seed=1)
        masks = [values(first(x, training=True)) for _ in range(2)]
        assert np.array_equal(values(again(x, training=True)), masks[0]) and not np.array_equal(*masks)
        assert set(np.unique(masks[0])) == {0.0, 2.0}


def test_a_shared_layer_adds_its_activity_penalty_once_per_call_as_keras():
    """A layer called twice in a functional model adds two activity penalties (only the last was kept);
    calling the model again starts afresh."""
    oracle()
    x = np.random.default_rng(23).normal(size=(16, 3))

    def make(lib):
        inputs = lib.Input((3,))
        shared = lib.layers.Dense(3, activation="tanh", activity_regularizer=lib.regularizers.L2(0.5))
        return lib.Model(inputs, lib.layers.Dense(1)(shared(shared(inputs))))
    k, s = twins(make)
    compile_both(k, s, "sgd", "mse")
    fit_both(k, s, x, x[:, :1], epochs=2, batch_size=8)
    same_outputs(k, s, x, x[:, :1])
    s(x)
    s(x)
    assert len(s.losses) == 2


def test_more_metrics_match_keras():
    """Top-k accuracies, the cross-entropies, KL divergence, MAPE, MSLE, Poisson, RootMeanSquaredError as
    metrics, by name and as objects (they were refused); EarlyStopping on val_msle knows it goes down."""
    x, labels = data((5,), n=40, classes=6, seed=24)
    k, s = twins(mlp, 6)
    compile_both(k, s, "adam", "sparse_categorical_crossentropy", [
        "sparse_top_k_categorical_accuracy", per_lib(lambda lib: lib.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")),
        "sparse_categorical_crossentropy", per_lib(lambda lib: lib.metrics.SparseCategoricalCrossentropy(name="scce"))])
    fit_both(k, s, x, labels, epochs=2, batch_size=8, validation_split=0.25)
    same_outputs(k, s, x, labels)
    k, s = twins(mlp, 6)
    compile_both(k, s, "adam", "categorical_crossentropy", [
        "top_k_categorical_accuracy", per_lib(lambda lib: lib.metrics.TopKCategoricalAccuracy(k=3, name="top3")),
        "categorical_crossentropy", "kl_divergence",
        per_lib(lambda lib: lib.metrics.CategoricalCrossentropy(label_smoothing=0.1, name="smoothed"))])
    fit_both(k, s, x, onehot(labels, 6), epochs=2, batch_size=8)
    positive = np.abs(x[:, :2]) + 0.1
    k, s = twins(mlp, 2, "softplus")
    compile_both(k, s, "adam", "mse", ["mape", "msle", "poisson", "MAPE",
                                       per_lib(lambda lib: lib.metrics.RootMeanSquaredError())])
    stop = per_lib(lambda lib: [lib.callbacks.EarlyStopping(monitor="val_msle", patience=0)])
    fit_both(k, s, x, positive, epochs=4, batch_size=8, validation_split=0.25, callbacks=stop)
    same_outputs(k, s, x, positive)
    binary = (labels > 2).astype(np.float32)[:, None]
    k, s = twins(mlp, 1, "sigmoid")
    compile_both(k, s, "adam", "binary_crossentropy", [
        "binary_crossentropy", per_lib(lambda lib: lib.metrics.BinaryCrossentropy(label_smoothing=0.2, name="smooth"))])
    fit_both(k, s, x, binary, epochs=2, batch_size=8)


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_line_figures_are_written_as_keras_writes_them(verbose):
    """Keras' Progbar: 4 decimals above 1e-3, else e-notation (0 is 0.0000e+00); the live line compares the
    absolute value, the verbose=2 line the value itself (a negative figure in e-notation)."""
    import contextlib

    from seegrad.keras.progbar import Progbar as OurProgbar

    oracle()
    from keras.src.utils.progbar import Progbar

    for value in (0.0, 1e-3, 0.0010001, 5e-4, 0.5, -2.0, -5e-4, 1234.5678, 1e-7):
        theirs = io.StringIO()
        with contextlib.redirect_stdout(theirs):
            Progbar(target=1, verbose=verbose).update(1, values=[("loss", value)], finalize=True)
        ours = io.StringIO()
        OurProgbar(1, verbose=verbose, file=ours).finish({"loss": value})
        figure = re.compile(r"loss: (\S+)")
        assert figure.search(ours.getvalue()).group(1) == figure.search(theirs.getvalue()).group(1), value
