"""The Keras oracle: Keras 3 itself on its torch backend, and helpers that run one program under
both Keras and seegrad.keras from the same initial weights and compare every figure."""
import os

import numpy as np
import pytest

from seegrad import keras as S

LOSS_TOL = dict(rtol=1e-5, atol=1e-6)  # float32: the two differ in summation order only
WEIGHT_TOL = dict(rtol=1e-4, atol=1e-6)


def oracle():
    """Keras 3 on the torch backend, or skip (needs `pip install keras` and torch)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")  # Keras' backend here
    keras = pytest.importorskip("keras")  # the oracle (the dev extra installs it)
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()!r}; the oracle tests set KERAS_BACKEND=torch")
    return keras


def twins(make, *args, **kwargs):
    """``make(lib, *args, **kwargs)`` built with Keras and with seegrad.keras, ours holding Keras' initial weights."""
    keras = oracle()
    keras.utils.set_random_seed(0)  # Keras' initial weights (and so every figure) the same from run to run
    k, s = make(keras, *args, **kwargs), make(S, *args, **kwargs)
    kw, sw = k.get_weights(), s.get_weights()
    assert [w.shape for w in kw] == [w.shape for w in sw], "the two models hold different weights"
    s.set_weights(kw)
    return k, s


class per_lib:
    """An argument made for each library: ``per_lib(lambda lib: lib.optimizers.SGD(0.1))``."""

    def __init__(self, make):
        self.make = make


def _resolve(value, lib):
    return value.make(lib) if isinstance(value, per_lib) else value


def compile_both(k, s, optimizer="adam", loss="mse", metrics=None):
    """Compile both with the same settings (names, or per_lib(...) objects)."""
    keras = oracle()
    for model, lib in ((k, keras), (s, S)):
        model.compile(optimizer=_resolve(optimizer, lib), loss=_resolve(loss, lib),
                      metrics=None if metrics is None else [_resolve(m, lib) for m in metrics])


def fit_both(k, s, x, y, callbacks=None, **fit_kwargs):
    """fit both with shuffle=False; compare the history and the weights after every epoch.
    ``callbacks``: per_lib(lambda lib: [...]). Returns both histories."""
    keras = oracle()
    fit_kwargs.setdefault("shuffle", False)
    fit_kwargs.setdefault("verbose", 0)
    stores, histories = [], []
    for model, lib in ((k, keras), (s, S)):
        store = []
        record = lib.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs, m=model, st=store: st.append(m.get_weights()))
        stores.append(store)
        histories.append(model.fit(x, y, callbacks=[record, *(_resolve(callbacks, lib) or [])], **fit_kwargs))
    hk, hs = histories
    assert hk.epoch == hs.epoch
    assert sorted(hk.history) == sorted(hs.history)
    for key in hk.history:
        np.testing.assert_allclose(hs.history[key], hk.history[key], **LOSS_TOL, err_msg=key)
    for epoch, (wk, ws) in enumerate(zip(*stores)):
        for i, (a, b) in enumerate(zip(wk, ws)):
            np.testing.assert_allclose(b, a, **WEIGHT_TOL, err_msg=f"weight {i} ({k.weights[i].path}) after epoch {epoch}")
    return hk, hs


def same_outputs(k, s, x, y=None):
    """predict (and evaluate, with y) give the same numbers."""
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    if y is not None:
        np.testing.assert_allclose(s.evaluate(x, y, verbose=0), k.evaluate(x, y, verbose=0), **LOSS_TOL)
        assert s.evaluate(x, y, verbose=0, return_dict=True).keys() == k.evaluate(x, y, verbose=0, return_dict=True).keys()
