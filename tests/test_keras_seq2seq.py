"""Sequence-to-sequence programs in the functional API under Keras 3 and under seegrad.keras from the same
initial weights (tests/dlwp_helpers.py run_both): an encoder LSTM/GRU called with return_state=True, whose
final states start the decoder (initial_state=...), trained with teacher forcing, then the inference
models (the encoder's states as outputs; a decoder model taking the states as Inputs) and a greedy decode.
Focused tests: return_state=True in a functional model for SimpleRNN, LSTM and GRU with and without
return_sequences (the states' values, the summary text), initial_state given symbolically and eagerly.

The programs are written for these tests, in the style of a learner's first seq2seq: tiny synthetic
data (reverse a sequence of digits), 2 epochs."""
import io
import contextlib

import numpy as np
import pytest

from dlwp_helpers import run_both
from keras_helpers import WEIGHT_TOL, oracle, twins

import autograd as ag
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

DATA = '''
import numpy as np
import keras
from keras import layers

num_tokens = 6           # digits 1..4, 5 = start, 0 = padding
seq_len = 5
n_samples = 48
latent_dim = 16

rng = np.random.default_rng(1)
digits = rng.integers(1, 5, size=(n_samples, seq_len))
targets = digits[:, ::-1]
decoder_in = np.concatenate([np.full((n_samples, 1), 5), targets[:, :-1]], axis=1)  # teacher forcing

def one_hot(a):
    return np.eye(num_tokens, dtype="float32")[a]

encoder_input_data = one_hot(digits)
decoder_input_data = one_hot(decoder_in)
decoder_target_data = one_hot(targets)
'''

LSTM_PROGRAM = DATA + '''
encoder_inputs = keras.Input(shape=(None, num_tokens))
encoder = layers.LSTM(latent_dim, return_state=True)
encoder_outputs, state_h, state_c = encoder(encoder_inputs)
encoder_states = [state_h, state_c]

decoder_inputs = keras.Input(shape=(None, num_tokens))
decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True)
decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
decoder_dense = layers.Dense(num_tokens, activation="softmax")
decoder_outputs = decoder_dense(decoder_outputs)

model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.summary()
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=16, epochs=2,
          validation_split=0.25)
probs = model.predict([encoder_input_data[:4], decoder_input_data[:4]])
print(probs.shape)

# inference: the encoder gives its states, the decoder runs one step at a time from them
encoder_model = keras.Model(encoder_inputs, encoder_states)
decoder_state_input_h = keras.Input(shape=(latent_dim,))
decoder_state_input_c = keras.Input(shape=(latent_dim,))
decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
decoder_outputs, state_h, state_c = decoder_lstm(decoder_inputs, initial_state=decoder_states_inputs)
decoder_outputs = decoder_dense(decoder_outputs)
decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs, [decoder_outputs, state_h, state_c])
decoder_model.summary()

states = encoder_model.predict(encoder_input_data[:3])
target_seq = one_hot(np.full((3, 1), 5))
decoded = []
for i in range(seq_len):
    output_tokens, h, c = decoder_model.predict([target_seq] + states)
    token = output_tokens[:, -1, :].argmax(axis=-1)
    decoded.append(token)
    target_seq = one_hot(token[:, None])
    states = [h, c]
print(np.stack(decoded, axis=1))
'''

GRU_PROGRAM = DATA + '''
encoder_inputs = keras.Input(shape=(seq_len, num_tokens), name="encoder_inputs")
encoder_outputs, encoder_state = layers.GRU(latent_dim, return_sequences=True, return_state=True)(encoder_inputs)

decoder_inputs = keras.Input(shape=(seq_len, num_tokens), name="decoder_inputs")
x = layers.GRU(latent_dim, return_sequences=True)(decoder_inputs, initial_state=encoder_state)
x = layers.Dropout(0.2)(x)
decoder_outputs = layers.Dense(num_tokens, activation="softmax")(x)

model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.summary()
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=8, epochs=2)
loss, acc = model.evaluate([encoder_input_data, decoder_input_data], decoder_target_data)
print(f"loss {loss:.4f}, accuracy {acc:.3f}")
predictions = model.predict([encoder_input_data[:5], decoder_input_data[:5]])
print(predictions.argmax(axis=-1))
'''


BIDIRECTIONAL_PROGRAM = DATA + '''
# a bidirectional encoder: its forward and backward states, concatenated, start a decoder twice as wide
encoder_inputs = keras.Input(shape=(seq_len, num_tokens))
encoder_outputs, forward_h, forward_c, backward_h, backward_c = layers.Bidirectional(
    layers.LSTM(latent_dim, return_state=True))(encoder_inputs)
state_h = layers.Concatenate()([forward_h, backward_h])
state_c = layers.Concatenate()([forward_c, backward_c])

decoder_inputs = keras.Input(shape=(seq_len, num_tokens))
decoder_outputs = layers.LSTM(2 * latent_dim, return_sequences=True)(decoder_inputs, initial_state=[state_h, state_c])
decoder_outputs = layers.Dense(num_tokens, activation="softmax")(decoder_outputs)
model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
model.summary()
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit([encoder_input_data, decoder_input_data], decoder_target_data, batch_size=16, epochs=2)
print(model.predict([encoder_input_data[:4], decoder_input_data[:4]]).argmax(axis=-1))

# the GRU's one state each way, summed, and the pair of sequences with merge_mode=None called on a tensor
outputs, forward_state, backward_state = layers.Bidirectional(
    layers.GRU(4, return_sequences=True, return_state=True), merge_mode="sum")(encoder_input_data[:3])
print(tuple(outputs.shape), tuple(forward_state.shape), tuple(backward_state.shape))
both = layers.Bidirectional(layers.SimpleRNN(2, return_state=True), merge_mode=None)(encoder_input_data[:3])
print(len(both), [tuple(t.shape) for t in both])
'''


@pytest.mark.parametrize("program", [LSTM_PROGRAM, GRU_PROGRAM, BIDIRECTIONAL_PROGRAM], ids=["lstm", "gru", "bidirectional"])
def test_seq2seq_programs(program):
    """Training (History, validation), predict, the inference models' predictions (LSTM: a greedy decode
    through a decoder model whose states are Inputs and outputs) and the printed summaries, as Keras'."""
    k, s = run_both(program)
    assert s.printed == k.printed


def _states_model(lib, cls, return_sequences, units=3):
    x = lib.Input((4, 2))
    outs = getattr(lib.layers, cls)(units, return_sequences=return_sequences, return_state=True)(x)
    return lib.Model(x, outs)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_return_state_in_functional_model(cls, return_sequences):
    """Model(x, [out, *states]): one KerasTensor per output, their shapes, values and the summary, as Keras."""
    oracle().utils.clear_session()
    S.utils.clear_session()
    k, s = twins(_states_model, cls, return_sequences)
    x = np.random.default_rng(0).normal(size=(5, 4, 2)).astype("float32")
    kout, sout = k.predict(x, verbose=0), s.predict(x, verbose=0)
    assert len(sout) == len(kout) == (3 if cls == "LSTM" else 2)
    for a, b in zip(kout, sout):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)
    if not return_sequences:
        np.testing.assert_allclose(sout[1], sout[0], **WEIGHT_TOL)  # h is the last output
    assert _summary(s) == _summary(k)


def _summary(model):
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        model.summary()
    return text.getvalue().replace(model.name, "MODEL")


def _initial_state_model(lib, cls):
    seq, h_in = lib.Input((4, 2)), lib.Input((3,))
    states = [h_in, lib.layers.Dense(3)(h_in)] if cls == "LSTM" else h_in
    out, *final = getattr(lib.layers, cls)(3, return_sequences=True, return_state=True)(seq, initial_state=states)
    y = lib.layers.Dense(1)(lib.layers.Concatenate()([lib.layers.Flatten()(out), *final]))
    return lib.Model([seq, h_in], y)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
def test_initial_state_in_functional_model(cls):
    """initial_state=KerasTensors (an Input, a Dense of it): predict, a fit whose gradients reach the
    states' sources, the summary's "Connected to" ("lstm[0][1]" for a state), get_weights order."""
    oracle().utils.clear_session()
    S.utils.clear_session()
    k, s = twins(_initial_state_model, cls)
    assert [tuple(w.shape) for w in s.weights] == [tuple(w.shape) for w in k.weights]
    rng = np.random.default_rng(1)
    x = [rng.normal(size=(8, 4, 2)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")]
    y = rng.normal(size=(8, 1)).astype("float32")
    np.testing.assert_allclose(s.predict(x, verbose=0), k.predict(x, verbose=0), **WEIGHT_TOL)
    for model in (k, s):
        model.compile(optimizer="sgd", loss="mse")
    hk = k.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    hs = s.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(hs.history["loss"], hk.history["loss"], rtol=1e-5, atol=1e-6)
    for a, b in zip(k.get_weights(), s.get_weights()):
        np.testing.assert_allclose(b, a, **WEIGHT_TOL)
    assert _summary(s) == _summary(k)


@pytest.mark.parametrize("cls", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("masked", [False, True])
def test_initial_state_eager(cls, masked):
    """layer(tensor, initial_state=...) on real tensors (the fused op, and Keras' loop under a mask) against
    Keras' layer holding the same weights; the gradient reaches the initial states."""
    keras = oracle()
    import torch
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    states = [rng.normal(size=(3, 4)).astype("float32") for _ in range(2 if cls == "LSTM" else 1)]
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    k = getattr(keras.layers, cls)(4, return_sequences=True, return_state=True)
    s = getattr(S.layers, cls)(4, return_sequences=True, return_state=True)
    kout = k(torch.tensor(x), initial_state=[torch.tensor(v) for v in states],
             mask=torch.tensor(mask) if masked else None)
    s.build((None, 5, 2))
    s.set_weights(k.get_weights())
    given = [ag.from_numpy(v).requires_grad_() for v in states]
    sout = s(ag.from_numpy(x), initial_state=given if len(given) > 1 else given[0],
             mask=ag.from_numpy(mask) if masked else None)
    for a, b in zip(kout, sout):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().cpu().numpy(), **WEIGHT_TOL)
    sum(o.sum() for o in sout).backward()
    kstates = [torch.tensor(v, requires_grad=True) for v in states]
    kout = k(torch.tensor(x), initial_state=kstates, mask=torch.tensor(mask) if masked else None)
    sum(o.sum() for o in kout).backward()
    for a, b in zip(kstates, given):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), **WEIGHT_TOL)


def test_initial_state_errors():
    """The wrong number of states, or a wrong shape, is an error naming the layer and what it takes."""
    x = S.Input((4, 2))
    with pytest.raises(ValueError, match=r"initial_state takes \[h, c\]"):
        S.layers.LSTM(3)(x, initial_state=S.Input((3,)))
    with pytest.raises(ValueError, match="units"):
        S.layers.GRU(3)(x, initial_state=S.Input((5,)))
    with pytest.raises(TypeError, match="unexpected keyword argument 'initial_state'"):
        S.layers.Dense(3)(x, initial_state=S.Input((3,)))


def test_save_refuses_a_layer_of_several_outputs(tmp_path):
    """save() of a chain through an RNN with return_state is refused (its reload would call the next layer on
    the list of outputs); save_weights / load_weights keep the numbers."""
    x = S.Input((4, 2))
    out, h = S.layers.GRU(3, return_state=True)(x)
    model = S.Model(x, S.layers.Dense(1)(h))
    with pytest.raises(Exception, match="several outputs"):
        model.save(str(tmp_path / "m.keras"))
    model.save_weights(str(tmp_path / "m.weights.h5"))
    x2 = S.Input((4, 2))
    out2, h2 = S.layers.GRU(3, return_state=True)(x2)
    other = S.Model(x2, S.layers.Dense(1)(h2))
    other.load_weights(str(tmp_path / "m.weights.h5"))
    data = np.random.default_rng(3).normal(size=(2, 4, 2)).astype("float32")
    np.testing.assert_array_equal(other.predict(data, verbose=0), model.predict(data, verbose=0))
