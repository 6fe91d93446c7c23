# Programs from Deep Learning with Python, 3rd edition: chapter13_timeseries-forecasting.ipynb of
# github.com/fchollet/deep-learning-with-python-notebooks (MIT, (c) François Chollet). The cells are quoted
# as they are, but for the lines marked "# test:".
"""Chapter 13 (timeseries forecasting) under Keras 3 and under seegrad.keras from the same initial
weights (tests/dlwp_helpers.py): the densely connected baseline, the Conv1D model, the LSTM, the
SimpleRNN shapes, the bidirectional LSTM, and the recurrent dropout models (LSTM(recurrent_dropout=0.25),
stacked GRU(recurrent_dropout=0.5)), each with its ModelCheckpoint and load_model.

What the tests change: the Jena CSV is a synthetic one written by the test (dlwp_helpers.write_jena_like,
4000 rows), read by the notebook's own code; sequences of 72 steps (the book: 120, too long for the
small file; the Conv1D stack still fits); keras.utils.timeseries_dataset_from_array is not in
seegrad.keras, so its windows come as arrays (dlwp_helpers.timeseries_windows, unshuffled), the first
256 of them, in batches of 64; 2 epochs."""
import numpy as np
import pytest

from dlwp_helpers import run_both

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

DATA = '''
from dlwp_helpers import write_jena_like, timeseries_windows  # test: stand-ins (the download, the datasets)
write_jena_like("jena_climate_2009_2016.csv", rows=4000)  # test

import os
fname = os.path.join("jena_climate_2009_2016.csv")

with open(fname) as f:
    data = f.read()

lines = data.split("\\n")
header = lines[0].split(",")
lines = lines[1:]
print(header)
print(len(lines))

import numpy as np

temperature = np.zeros((len(lines),))
raw_data = np.zeros((len(lines), len(header) - 1))
for i, line in enumerate(lines):
    values = [float(x) for x in line.split(",")[1:]]
    temperature[i] = values[1]
    raw_data[i, :] = values[:]

num_train_samples = int(0.5 * len(raw_data))
num_val_samples = int(0.25 * len(raw_data))
num_test_samples = len(raw_data) - num_train_samples - num_val_samples
print("num_train_samples:", num_train_samples)
print("num_val_samples:", num_val_samples)
print("num_test_samples:", num_test_samples)

mean = raw_data[:num_train_samples].mean(axis=0)
raw_data -= mean
std = raw_data[:num_train_samples].std(axis=0)
raw_data /= std

import keras

sampling_rate = 6
sequence_length = 72  # test: 120
delay = sampling_rate * (sequence_length + 24 - 1)
batch_size = 64  # test: 256

train_samples, train_targets = timeseries_windows(  # test: train_dataset
    raw_data[:-delay],
    targets=temperature[delay:],
    sampling_rate=sampling_rate,
    sequence_length=sequence_length,
    start_index=0,
    end_index=num_train_samples,
)
train_samples, train_targets = train_samples[:256], train_targets[:256]  # test: the first 256
val_samples, val_targets = timeseries_windows(  # test: val_dataset
    raw_data[:-delay],
    targets=temperature[delay:],
    sampling_rate=sampling_rate,
    sequence_length=sequence_length,
    start_index=num_train_samples,
    end_index=num_train_samples + num_val_samples,
)
val_samples, val_targets = val_samples[:128], val_targets[:128]  # test: the first 128
test_samples, test_targets = timeseries_windows(  # test: test_dataset
    raw_data[:-delay],
    targets=temperature[delay:],
    sampling_rate=sampling_rate,
    sequence_length=sequence_length,
    start_index=num_train_samples + num_val_samples,
)
test_samples, test_targets = test_samples[:128], test_targets[:128]  # test: the first 128

import keras
from keras import layers
'''

FIT = '''
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(
    train_samples, train_targets, batch_size=batch_size,  # test: train_dataset
    epochs=2,  # test: 10
    validation_data=(val_samples, val_targets),  # test: val_dataset
    callbacks=callbacks,
)
'''

RELOAD = '''
model = keras.models.load_model("{name}")
print(f"Test MAE: {{model.evaluate(test_samples, test_targets)[1]:.2f}}")  # test: test_dataset
'''

DENSE = DATA + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.Flatten()(inputs)
x = layers.Dense(16, activation="relu")(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

callbacks = [
    keras.callbacks.ModelCheckpoint("jena_dense.keras", save_best_only=True)
]
''' + FIT + RELOAD.format(name="jena_dense.keras")

CONV1D = DATA + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.Conv1D(8, 24, activation="relu")(inputs)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1D(8, 12, activation="relu")(x)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1D(8, 6, activation="relu")(x)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

callbacks = [
    keras.callbacks.ModelCheckpoint("jena_conv.keras", save_best_only=True)
]
''' + FIT + RELOAD.format(name="jena_conv.keras")

LSTM = DATA + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.LSTM(16)(inputs)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

callbacks = [
    keras.callbacks.ModelCheckpoint("jena_lstm.keras", save_best_only=True)
]
''' + FIT + '''
model = keras.models.load_model("jena_lstm.keras")
print("Test MAE: {model.evaluate(test_samples, test_targets)[1]:.2f}")  # test: test_dataset (the book's f is missing)

num_features = 14
inputs = keras.Input(shape=(None, num_features))
outputs = layers.SimpleRNN(16)(inputs)

num_features = 14
steps = 120
inputs = keras.Input(shape=(steps, num_features))
outputs = layers.SimpleRNN(16, return_sequences=False)(inputs)
print(tuple(outputs.shape))  # test: print(outputs.shape)

num_features = 14
steps = 120
inputs = keras.Input(shape=(steps, num_features))
outputs = layers.SimpleRNN(16, return_sequences=True)(inputs)
print(tuple(outputs.shape))  # test: print(outputs.shape)

inputs = keras.Input(shape=(steps, num_features))
x = layers.SimpleRNN(16, return_sequences=True)(inputs)
x = layers.SimpleRNN(16, return_sequences=True)(x)
outputs = layers.SimpleRNN(16)(x)
'''

BIDIRECTIONAL = DATA + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.Bidirectional(layers.LSTM(16))(inputs)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(
    train_samples, train_targets, batch_size=batch_size,  # test: train_dataset
    epochs=2,  # test: 10
    validation_data=(val_samples, val_targets),  # test: val_dataset
)
'''


@pytest.mark.parametrize("program", [DENSE, CONV1D, LSTM, BIDIRECTIONAL],
                         ids=["dense-baseline", "conv1d", "lstm-and-simplernn", "bidirectional-lstm"])
def test_chapter_13_timeseries_models(program, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the CSV and the checkpoints are written where the program runs
    k, s = run_both(program)
    assert s.printed == k.printed  # the header, the sizes, the test MAE (2 places), the SimpleRNN shapes
    assert s.history.history["loss"][-1] < s.history.history["loss"][0]


RECURRENT_DROPOUT = DATA + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.LSTM(32, recurrent_dropout=0.25)(inputs)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

callbacks = [
    keras.callbacks.ModelCheckpoint("jena_lstm_dropout.keras", save_best_only=True)
]
''' + FIT + '''
inputs = keras.Input(shape=(sequence_length, raw_data.shape[-1]))
x = layers.GRU(32, recurrent_dropout=0.5, return_sequences=True)(inputs)
x = layers.GRU(32, recurrent_dropout=0.5)(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

callbacks = [
    keras.callbacks.ModelCheckpoint("jena_stacked_gru_dropout.keras", save_best_only=True)
]
''' + FIT + RELOAD.format(name="jena_stacked_gru_dropout.keras")


def test_chapter_13_recurrent_dropout(tmp_path, monkeypatch):
    """LSTM(recurrent_dropout=0.25) and the stacked GRU(recurrent_dropout=0.5) trained from Keras' weights,
    each layer handed the masks Keras drew (one per gate, kept for the whole sequence: the harness checks
    their shapes and that seegrad uses as many): every History, evaluate and final weight agrees, and the
    reloaded model's test MAE. The masks' own statistics are checked in tests/test_keras_recurrent_dropout.py."""
    monkeypatch.chdir(tmp_path)
    k, s = run_both(RECURRENT_DROPOUT)
    assert s.printed == k.printed
