"""Masks against Keras 3 (torch backend): Embedding(mask_zero=True) and the padding it marks, handed on
by Dense and Dropout, used by SimpleRNN, LSTM, GRU (forwards and backwards), Bidirectional (sequences:
zeros at the padded steps) and GlobalAveragePooling1D (the mean over the words only). Same initial
weights; predictions, fit's History and the weights after every epoch (so the gradients) agree, and
the mask changes Keras' numbers (the tests would see a layer that ignored it). A mask that reaches a
layer which would use it otherwise, or the loss, is refused by name."""
import numpy as np
import pytest

from keras_helpers import WEIGHT_TOL, fit_both, oracle
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

HEADS = {
    "lstm": lambda L, x: L.LSTM(3)(x),
    "gru-backwards": lambda L, x: L.GRU(3, go_backwards=True)(x),
    "simplernn-sequences-pooled": lambda L, x: L.GlobalAveragePooling1D()(L.SimpleRNN(3, return_sequences=True)(x)),
    "bidirectional-lstm-sequences": lambda L, x: L.GlobalAveragePooling1D()(
        L.Bidirectional(L.LSTM(3, return_sequences=True))(x)),
    "bidirectional-gru": lambda L, x: L.Bidirectional(L.GRU(3))(x),
    "stacked-lstm": lambda L, x: L.LSTM(2)(L.LSTM(3, return_sequences=True)(x)),
    "pooling": lambda L, x: L.GlobalAveragePooling1D()(x),
    "time-distributed-then-lstm": lambda L, x: L.LSTM(3)(L.TimeDistributed(L.Dense(2, activation="tanh"))(x)),
    "time-distributed-pooled": lambda L, x: L.GlobalAveragePooling1D()(L.TimeDistributed(L.Dense(2))(x)),
}


def masked_model(lib, head, mask_zero=True):
    inputs = lib.Input((7,), dtype="int32")
    x = lib.layers.Embedding(20, 4, mask_zero=mask_zero)(inputs)
    x = lib.layers.Dropout(0.0)(lib.layers.Dense(5, activation="relu")(x))  # both hand the mask on
    outputs = lib.layers.Dense(1, activation="sigmoid")(HEADS[head](lib.layers, x))
    return lib.Model(inputs, outputs)


def padded_ids():
    """Word ids with padding (0) after the words, before them, between them, and a sample of one word."""
    ids = np.random.default_rng(0).integers(1, 20, (12, 7))
    ids[0, 4:] = 0
    ids[1, :3] = 0
    ids[2, ::2] = 0
    ids[3, 1:] = 0
    return ids, (ids.sum(1) % 2).astype(np.float32)


@pytest.mark.parametrize("head", HEADS)
def test_masked_layers_predict_and_train_as_keras(head):
    keras = oracle()
    ids, labels = padded_ids()
    keras.utils.set_random_seed(0)
    k, s = masked_model(keras, head), masked_model(S, head)
    s.set_weights(k.get_weights())
    unmasked = masked_model(keras, head, mask_zero=False)
    unmasked.set_weights(k.get_weights())
    expected = k.predict(ids, verbose=0)
    assert not np.allclose(unmasked.predict(ids, verbose=0), expected, atol=1e-5)  # the mask matters
    np.testing.assert_allclose(s.predict(ids, verbose=0), expected, **WEIGHT_TOL)
    for model in (k, s):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    fit_both(k, s, ids, labels, batch_size=4, epochs=2)
    np.testing.assert_allclose(s.predict(ids, verbose=0), k.predict(ids, verbose=0), **WEIGHT_TOL)


def test_masked_sequential():
    keras = oracle()
    ids, _ = padded_ids()
    keras.utils.set_random_seed(0)

    def make(lib):
        return lib.Sequential([lib.Input((7,), dtype="int32"), lib.layers.Embedding(20, 4, mask_zero=True),
                               lib.layers.GRU(3), lib.layers.Dense(1)])
    k, s = make(keras), make(S)
    s.set_weights(k.get_weights())
    np.testing.assert_allclose(s.predict(ids, verbose=0), k.predict(ids, verbose=0), **WEIGHT_TOL)
    assert s.layers[0].get_config()["mask_zero"] is True


def test_a_mask_where_it_would_be_used_otherwise_is_refused_by_name():
    inputs = S.Input((7,), dtype="int32")
    x = S.layers.Embedding(20, 4, mask_zero=True)(inputs)
    ids, labels = padded_ids()
    for layer in (S.layers.BatchNormalization(), S.layers.Softmax()):
        model = S.Model(inputs, S.layers.GlobalAveragePooling1D()(layer(x)))
        with pytest.raises(S.NotSupported, match=f"a mask .* reaching {type(layer).__name__} '{layer.name}'"):
            model.predict(ids, verbose=0)
    grid = S.Input((7, 3), dtype="int32")  # TimeDistributed(LSTM): Keras hands each step's mask to the LSTM
    inner = S.layers.TimeDistributed(S.layers.LSTM(2))
    model = S.Model(grid, S.layers.Flatten()(inner(S.layers.Embedding(20, 4, mask_zero=True)(grid))))
    with pytest.raises(S.NotSupported, match=f"a mask .* reaching TimeDistributed '{inner.name}'"):
        model.predict(np.stack([ids[:, :3]] * 7, axis=1), verbose=0)
    model = S.Model(inputs, S.layers.Dense(1)(S.layers.LSTM(2, return_sequences=True)(x)))  # (batch, 7, 1)
    model.compile(loss="mse")
    with pytest.raises(S.NotSupported, match="reaching the model's output, and so the loss"):
        model.fit(ids, np.zeros((12, 7, 1)), verbose=0)
    flat = S.Model(inputs, S.layers.Dense(1)(S.layers.Flatten()(x)))  # Keras' Flatten drops the mask: so does ours
    assert flat.predict(ids, verbose=0).shape == (12, 1)
