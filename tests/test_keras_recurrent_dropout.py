"""dropout and recurrent_dropout of SimpleRNN, LSTM and GRU against Keras 3 (torch backend).

At inference neither applies: the outputs are Keras', exactly as without them. In training Keras
draws its masks once per call (one per gate with recurrent_dropout: its implementation 1) and uses
them at every step; handed the masks Keras drew, seegrad's training-mode outputs and gradients are
Keras'. seegrad's own draws: values 0 or 1/(1-rate), the rate's share of zeros, as many masks per
call as Keras draws whatever the sequence's length, fresh for each call."""
import numpy as np
import pytest

from keras_helpers import WEIGHT_TOL, oracle
import autograd as ag
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

CASES = {
    "lstm-recurrent": ("LSTM", dict(recurrent_dropout=0.25)),
    "lstm-both": ("LSTM", dict(dropout=0.2, recurrent_dropout=0.4)),
    "lstm-inputs-only": ("LSTM", dict(dropout=0.3)),
    "gru-recurrent-backwards": ("GRU", dict(recurrent_dropout=0.5, go_backwards=True)),
    "gru-both-sequences": ("GRU", dict(dropout=0.1, recurrent_dropout=0.3, return_sequences=True)),
    "simplernn-both": ("SimpleRNN", dict(dropout=0.2, recurrent_dropout=0.2)),
}


def pair(keras, kind, options):
    keras.utils.set_random_seed(0)
    k, s = getattr(keras.layers, kind)(4, **options), getattr(S.layers, kind)(4, **options)
    x = np.random.default_rng(1).normal(size=(5, 6, 3)).astype(np.float32)
    k(x), s(x)  # built
    s.set_weights(k.get_weights())
    return k, s, x


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_inference_is_keras_and_training_with_keras_masks_is_keras(case, monkeypatch):
    keras = oracle()
    import torch
    from keras.src.backend import random as keras_random
    kind, options = case
    k, s, x = pair(keras, kind, options)
    plain = getattr(keras.layers, kind)(4, **{key: v for key, v in options.items() if "dropout" not in key})
    plain(x)
    plain.set_weights(k.get_weights())
    expected = k(x, training=False).detach().numpy()
    # Keras: no dropout at inference (the two layers' kernels may round apart by an ulp on some CPUs: seen
    # 6e-8 on an AVX2-only AMD EPYC; a dropped unit would differ by its whole value)
    np.testing.assert_allclose(expected, plain(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(s(x, training=False).detach().numpy(), expected, **WEIGHT_TOL)

    drawn = []  # the masks Keras draws in one training call, in order
    original = keras_random.dropout

    def recorded(inputs, rate, noise_shape=None, seed=None):
        mask = original(torch.ones_like(inputs), rate, noise_shape=noise_shape, seed=seed)
        drawn.append(mask.detach().numpy())
        return inputs * mask
    monkeypatch.setattr(keras_random, "dropout", recorded)
    xt = torch.tensor(x, requires_grad=True)
    out_k = k(xt, training=True)
    out_k.sum().backward()
    handed = list(drawn)
    monkeypatch.setattr(type(s), "_dropout_mask", lambda self, shape, rate: ag.from_numpy(handed.pop(0)))
    xs = ag.from_numpy(x).requires_grad_()
    out_s = s(xs, training=True)
    out_s.sum().backward()
    assert not handed, "seegrad used fewer masks than Keras drew"
    assert not np.allclose(out_k.detach().numpy(), expected, atol=1e-4)  # the masks changed the outputs
    np.testing.assert_allclose(out_s.detach().numpy(), out_k.detach().numpy(), **WEIGHT_TOL)
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), **WEIGHT_TOL)
    for w_k, w_s in zip(k.trainable_weights, s.trainable_weights):
        np.testing.assert_allclose(w_s.grad.numpy(), w_k.value.grad.numpy(), **WEIGHT_TOL, err_msg=w_k.path)


@pytest.mark.parametrize("kind, per_call", [("LSTM", 8), ("GRU", 6), ("SimpleRNN", 2)])
def test_own_masks_drawn_once_per_call_with_the_rate(kind, per_call, monkeypatch):
    layer = getattr(S.layers, kind)(64, dropout=0.2, recurrent_dropout=0.25, seed=3)
    draws = []
    draw = type(layer)._dropout_mask
    monkeypatch.setattr(type(layer), "_dropout_mask", lambda self, shape, rate: draws.append(
        (draw(self, shape, rate).detach().numpy(), rate)) or ag.from_numpy(draws[-1][0]))
    x = np.random.default_rng(2).normal(size=(400, 9, 5)).astype(np.float32)
    layer(x, training=True)
    assert len(draws) == per_call  # per gate, drawn once: not once per step (9 steps)
    layer(x, training=True)
    assert len(draws) == 2 * per_call  # fresh masks for the next call
    assert not np.array_equal(draws[0][0], draws[per_call][0])
    for mask, rate in draws:
        assert set(np.unique(mask)) <= {0.0, np.float32(1 / (1 - rate))}
        share = (mask == 0).mean()
        assert abs(share - rate) < 4 * np.sqrt(rate * (1 - rate) / mask.size), (share, rate)
    layer(x, training=False)
    assert len(draws) == 2 * per_call  # none at inference


def test_rates_outside_zero_one_are_refused():
    with pytest.raises(ValueError, match=r"GRU: `dropout` must be a number in \[0, 1\).*got -0.1"):
        S.layers.GRU(3, dropout=-0.1)
    with pytest.raises(ValueError, match=r"SimpleRNN: `recurrent_dropout` must be a number in \[0, 1\).*got 1"):
        S.layers.SimpleRNN(3, recurrent_dropout=1)
