"""Models of several outputs against Keras 3 (torch backend), from the same initial weights: losses by
list, by output name and one for all, loss_weights, metrics per output, y as a list or a dict, x as a
dict by Input name, sample weights, validation; fit's History, evaluate's list (Keras' order) and
dict, predict's outputs and the weights after every epoch agree. Bad structures get clear errors."""
import numpy as np
import pytest

from keras_helpers import LOSS_TOL, WEIGHT_TOL, fit_both, oracle
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2


def two_heads(lib):
    """Two inputs, a shared trunk, a regression head "score" and a 3-class head "kind"."""
    a, b = lib.Input((5,), name="a"), lib.Input((3,), name="b")
    h = lib.layers.Dense(8, activation="tanh", name="trunk")(lib.layers.Concatenate()([a, b]))
    score = lib.layers.Dense(1, name="score")(h)
    kind = lib.layers.Dense(3, activation="softmax", name="kind")(h)
    return lib.Model([a, b], [score, kind])


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = [rng.normal(size=(n, 5)).astype(np.float32), rng.normal(size=(n, 3)).astype(np.float32)]
    y = [rng.normal(size=(n, 1)).astype(np.float32), rng.integers(0, 3, size=(n,))]
    return x, y


def built_pair():
    keras = oracle()
    keras.utils.set_random_seed(0)
    k, s = two_heads(keras), two_heads(S)
    s.set_weights(k.get_weights())
    return k, s


COMPILES = {
    "lists": dict(loss=["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], ["accuracy"]]),
    "dicts-weighted": dict(loss={"kind": "sparse_categorical_crossentropy", "score": "mse"},
                           loss_weights={"score": 0.5, "kind": 2.0}, metrics={"kind": ["accuracy", "accuracy"]}),
    "one-loss-for-both": dict(loss="mse", metrics=[None, ["mse"]]),
    "list-weights": dict(loss=["mae", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.1]),
}


@pytest.mark.parametrize("settings", COMPILES.values(), ids=COMPILES.keys())
def test_compile_per_output_fit_evaluate_predict(settings):
    if settings["loss"] == "mse":  # mse on the softmax head: a one-hot target, as Keras needs
        x, (score, kind) = data()
        y = [score, np.eye(3, dtype=np.float32)[kind]]
    else:
        x, y = data()
    k, s = built_pair()
    for model in (k, s):
        model.compile(optimizer="adam", **settings)
    hk, hs = fit_both(k, s, x, y, batch_size=16, epochs=2, validation_split=0.25)
    assert "val_loss" in hs.history and len(hs.history) == len(hk.history)
    np.testing.assert_allclose(s.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), **LOSS_TOL)
    dk, ds = k.evaluate(x, y, verbose=0, return_dict=True), s.evaluate(x, y, verbose=0, return_dict=True)
    assert list(ds) == list(dk)
    assert sorted(s.metrics_names) == sorted(ds)  # metrics_names: what evaluate's list holds, in its order
    np.testing.assert_allclose([ds[name] for name in s.metrics_names], s.evaluate(x, y, verbose=0), rtol=1e-6)
    for (a, b) in zip(k.predict(x, verbose=0), s.predict(x, verbose=0)):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)


def test_dicts_of_inputs_and_targets_and_sample_weights():
    x, y = data()
    k, s = built_pair()
    for model in (k, s):
        model.compile(optimizer="sgd", loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                      metrics={"score": ["mae"]})
    fit_both(k, s, {"a": x[0], "b": x[1]}, {"kind": y[1], "score": y[0]}, batch_size=8, epochs=2)
    weights = np.linspace(0.5, 2.0, len(y[0])).astype(np.float32)  # (Keras fails on sample weights with dict targets)
    fit_both(k, s, x, y, batch_size=8, epochs=1, sample_weight=weights)
    np.testing.assert_allclose(s.evaluate({"b": x[1], "a": x[0]}, y, verbose=0, sample_weight=weights),
                               k.evaluate({"b": x[1], "a": x[0]}, y, verbose=0, sample_weight=weights), **LOSS_TOL)
    np.testing.assert_allclose(s.train_on_batch(x, y), k.train_on_batch(x, y), **LOSS_TOL)
    np.testing.assert_allclose(s.test_on_batch(x, y), k.test_on_batch(x, y), **LOSS_TOL)
    for (a, b) in zip(k.predict_on_batch(x), s.predict_on_batch(x)):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)


def test_subclassed_model_of_dict_inputs_and_two_outputs():
    """A subclassed model has no output names: Keras names the losses by the loss and the metrics by
    themselves ("mean_squared_error_loss", "accuracy"); its call gets the dict of inputs as it is."""
    keras = oracle()

    def make(lib):
        class TwoHeads(lib.Model):
            def __init__(self):
                super().__init__()
                self.concat = lib.layers.Concatenate()
                self.trunk = lib.layers.Dense(8, activation="relu")
                self.score = lib.layers.Dense(1)
                self.kind = lib.layers.Dense(3, activation="softmax")

            def call(self, inputs):
                h = self.trunk(self.concat([inputs["a"], inputs["b"]]))
                return self.score(h), self.kind(h)
        return TwoHeads()

    x, y = data()
    x = {"a": x[0], "b": x[1]}
    keras.utils.set_random_seed(0)
    k, s = make(keras), make(S)
    k(x), s(x)  # built by a first call, as the book's ticket model
    s.set_weights(k.get_weights())
    for model in (k, s):
        model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    fit_both(k, s, x, y, batch_size=16, epochs=2)
    np.testing.assert_allclose(s.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), **LOSS_TOL)
    pk, ps = k.predict(x, verbose=0), s.predict(x, verbose=0)
    assert type(ps) is type(pk) is tuple  # what the call returns
    for a, b in zip(pk, ps):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)


def test_structures_that_do_not_fit_the_model_get_clear_errors():
    x, y = data()
    model = two_heads(S)
    with pytest.raises(ValueError, match=r"\['typo'\] are not outputs of the model; its outputs are \['score', 'kind'\]"):
        model.compile(loss={"typo": "mse", "kind": "mse"})
        model.fit(x, y, verbose=0)
    model = two_heads(S)
    model.compile(loss=["mse"])
    with pytest.raises(ValueError, match=r"compile\(loss=...\) has 1 entries, but the model has 2 outputs"):
        model.fit(x, y, verbose=0)
    model.compile(loss=["mse", "sparse_categorical_crossentropy"])
    with pytest.raises(ValueError, match=r"y is a dict with keys \['kind', 'scor'\].*missing: \['score'\]"):
        model.fit(x, {"scor": y[0], "kind": y[1]}, verbose=0)
    with pytest.raises(ValueError, match="this model has several outputs; pass a list of arrays, one per output"):
        model.fit(x, y[0], verbose=0)
    with pytest.raises(ValueError, match=r"x is a dict with keys \['a'\].*missing: \['b'\]"):
        model.predict({"a": x[0]}, verbose=0)
    with pytest.raises(S.NotSupported, match="class_weight for a model of several outputs"):
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)
