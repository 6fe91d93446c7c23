# Programs from Deep Learning with Python, 3rd edition: chapter02_mathematical-building-blocks.ipynb and
# chapter04_classification-and-regression.ipynb of github.com/fchollet/deep-learning-with-python-notebooks
# (MIT, (c) François Chollet). The cells are quoted as they are, but for the lines marked "# test:".
"""Chapter 2's first MNIST model, chapter 4's IMDB, Reuters and house-price programs, each run under
Keras 3 and under seegrad.keras from the same initial weights (tests/dlwp_helpers.py): every fit's
History, every evaluate and predict, and the final weights agree.

The datasets are stand-ins of the same kinds, smaller (dlwp_helpers: mnist_like, word_sequences,
housing_like); the sizes written into the programs (60000, x_train[:10000]...) and the epochs are
scaled down with them (marked "# test:"); plots are left out."""
import numpy as np
import pytest

from dlwp_helpers import run_both

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

CHAPTER_2_MNIST = '''
from dlwp_helpers import mnist_like  # test: stands in for `from keras.datasets import mnist`

(train_images, train_labels), (test_images, test_labels) = mnist_like(600, 200)  # test: mnist.load_data()

import keras
from keras import layers

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)

train_images = train_images.reshape((600, 28 * 28))  # test: 60000
train_images = train_images.astype("float32") / 255
test_images = test_images.reshape((200, 28 * 28))  # test: 10000
test_images = test_images.astype("float32") / 255

model.fit(train_images, train_labels, epochs=5, batch_size=128)

test_digits = test_images[0:10]
predictions = model.predict(test_digits)
predictions[0]

predictions[0].argmax()

predictions[0][7]

test_labels[0]

test_loss, test_acc = model.evaluate(test_images, test_labels)
print(f"test_acc: {test_acc}")
'''


def test_chapter_2_first_mnist_model():
    k, s = run_both(CHAPTER_2_MNIST)
    assert s.test_acc > 0.6  # it learns the digits (Keras: the same figure, compared above)
    assert s.predictions[0].argmax() == k.predictions[0].argmax()


MULTI_HOT = '''
import numpy as np

def multi_hot_encode(sequences, num_classes):
    results = np.zeros((len(sequences), num_classes))
    for i, sequence in enumerate(sequences):
        results[i][sequence] = 1.0
    return results
'''

CHAPTER_4_IMDB = '''
from dlwp_helpers import word_sequences  # test: stands in for `from keras.datasets import imdb`

(train_data, train_labels), (test_data, test_labels) = (  # test: imdb.load_data(num_words=10000)
    word_sequences(700, 10000, 2, seed=1), word_sequences(200, 10000, 2, seed=2))

max([max(sequence) for sequence in train_data])
''' + MULTI_HOT + '''
x_train = multi_hot_encode(train_data, num_classes=10000)
x_test = multi_hot_encode(test_data, num_classes=10000)

y_train = train_labels.astype("float32")
y_test = test_labels.astype("float32")

import keras
from keras import layers

model = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)

model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)

x_val = x_train[:200]  # test: 10000
partial_x_train = x_train[200:]  # test: 10000
y_val = y_train[:200]  # test: 10000
partial_y_train = y_train[200:]  # test: 10000

history = model.fit(
    partial_x_train,
    partial_y_train,
    epochs=4,  # test: 20
    batch_size=512,
    validation_data=(x_val, y_val),
)

history = model.fit(
    x_train,
    y_train,
    epochs=4,  # test: 20
    batch_size=512,
    validation_split=0.2,
)

history_dict = history.history
history_dict.keys()

history_dict = history.history
loss_values = history_dict["loss"]
val_loss_values = history_dict["val_loss"]
acc = history_dict["accuracy"]
val_acc = history_dict["val_accuracy"]

model = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="adam",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_train, y_train, epochs=4, batch_size=512)
results = model.evaluate(x_test, y_test)

results

model.predict(x_test)
'''


def test_chapter_4_imdb_binary_classifier():
    k, s = run_both(CHAPTER_4_IMDB)
    assert sorted(s.history_dict) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert s.loss_values[-1] < s.loss_values[0]


CHAPTER_4_REUTERS = '''
from dlwp_helpers import word_sequences  # test: stands in for `from keras.datasets import reuters`

(train_data, train_labels), (test_data, test_labels) = (  # test: reuters.load_data(num_words=10000)
    word_sequences(600, 10000, 46, seed=3), word_sequences(200, 10000, 46, seed=4))

len(train_data)

len(test_data)

train_data[10]

train_labels[10]
''' + MULTI_HOT + '''
x_train = multi_hot_encode(train_data, num_classes=10000)
x_test = multi_hot_encode(test_data, num_classes=10000)

def one_hot_encode(labels, num_classes=46):
    results = np.zeros((len(labels), num_classes))
    for i, label in enumerate(labels):
        results[i, label] = 1.0
    return results

y_train = one_hot_encode(train_labels)
y_test = one_hot_encode(test_labels)

from keras.utils import to_categorical

y_train = to_categorical(train_labels)
y_test = to_categorical(test_labels)

import keras
from keras import layers

model = keras.Sequential(
    [
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(46, activation="softmax"),
    ]
)

top_3_accuracy = keras.metrics.TopKCategoricalAccuracy(
    k=3, name="top_3_accuracy"
)
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=["accuracy", top_3_accuracy],
)

x_val = x_train[:100]  # test: 1000
partial_x_train = x_train[100:]  # test: 1000
y_val = y_train[:100]  # test: 1000
partial_y_train = y_train[100:]  # test: 1000

history = model.fit(
    partial_x_train,
    partial_y_train,
    epochs=3,  # test: 20
    batch_size=512,
    validation_data=(x_val, y_val),
)

loss = history.history["loss"]
val_loss = history.history["val_loss"]
acc = history.history["accuracy"]
val_acc = history.history["val_accuracy"]
acc = history.history["top_3_accuracy"]
val_acc = history.history["val_top_3_accuracy"]

model = keras.Sequential(
    [
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(46, activation="softmax"),
    ]
)
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    epochs=3,  # test: 9
    batch_size=512,
)
results = model.evaluate(x_test, y_test)

results

import copy
test_labels_copy = copy.copy(test_labels)
np.random.shuffle(test_labels_copy)
hits_array = np.array(test_labels == test_labels_copy)
hits_array.mean()

predictions = model.predict(x_test)

predictions[0].shape

np.sum(predictions[0])

np.argmax(predictions[0])

y_train = train_labels
y_test = test_labels

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_train, y_train, epochs=2, batch_size=512)  # test: the book compiles and stops here; train on
sparse_results = model.evaluate(x_test, y_test)  # test: the integer labels to check the sparse loss

model = keras.Sequential(
    [
        layers.Dense(64, activation="relu"),
        layers.Dense(4, activation="relu"),
        layers.Dense(46, activation="softmax"),
    ]
)
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    partial_x_train,
    partial_y_train,
    epochs=3,  # test: 20
    batch_size=128,
    validation_data=(x_val, y_val),
)
'''


def test_chapter_4_reuters_multiclass():
    k, s = run_both(CHAPTER_4_REUTERS)
    assert s.y_test.dtype == np.int64 and s.predictions.shape == (200, 46)
    np.testing.assert_allclose(s.predictions.sum(axis=1), 1, rtol=1e-5)  # softmax rows


CHAPTER_4_HOUSING = '''
import numpy as np
import keras
from keras import layers
from dlwp_helpers import housing_like  # test: stands in for `from keras.datasets import california_housing`

(train_data, train_targets), (test_data, test_targets) = (
    housing_like(240, 60)  # test: california_housing.load_data(version="small")
)

train_data.shape

test_data.shape

train_targets

mean = train_data.mean(axis=0)
std = train_data.std(axis=0)
x_train = (train_data - mean) / std
x_test = (test_data - mean) / std

y_train = train_targets / 100000
y_test = test_targets / 100000

def get_model():
    model = keras.Sequential(
        [
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),
        ]
    )
    model.compile(
        optimizer="adam",
        loss="mean_squared_error",
        metrics=["mean_absolute_error"],
    )
    return model

k = 4
num_val_samples = len(x_train) // k
num_epochs = 3  # test: 50
all_scores = []
for i in range(k):
    print(f"Processing fold #{i + 1}")
    fold_x_val = x_train[i * num_val_samples : (i + 1) * num_val_samples]
    fold_y_val = y_train[i * num_val_samples : (i + 1) * num_val_samples]
    fold_x_train = np.concatenate(
        [x_train[: i * num_val_samples], x_train[(i + 1) * num_val_samples :]],
        axis=0,
    )
    fold_y_train = np.concatenate(
        [y_train[: i * num_val_samples], y_train[(i + 1) * num_val_samples :]],
        axis=0,
    )
    model = get_model()
    model.fit(
        fold_x_train,
        fold_y_train,
        epochs=num_epochs,
        batch_size=16,
        verbose=0,
    )
    scores = model.evaluate(fold_x_val, fold_y_val, verbose=0)
    val_loss, val_mae = scores
    all_scores.append(val_mae)

[round(value, 3) for value in all_scores]

round(np.mean(all_scores), 3)

k = 4
num_val_samples = len(x_train) // k
num_epochs = 3  # test: 200
all_mae_histories = []
for i in range(k):
    print(f"Processing fold #{i + 1}")
    fold_x_val = x_train[i * num_val_samples : (i + 1) * num_val_samples]
    fold_y_val = y_train[i * num_val_samples : (i + 1) * num_val_samples]
    fold_x_train = np.concatenate(
        [x_train[: i * num_val_samples], x_train[(i + 1) * num_val_samples :]],
        axis=0,
    )
    fold_y_train = np.concatenate(
        [y_train[: i * num_val_samples], y_train[(i + 1) * num_val_samples :]],
        axis=0,
    )
    model = get_model()
    history = model.fit(
        fold_x_train,
        fold_y_train,
        validation_data=(fold_x_val, fold_y_val),
        epochs=num_epochs,
        batch_size=16,
        verbose=0,
    )
    mae_history = history.history["val_mean_absolute_error"]
    all_mae_histories.append(mae_history)

average_mae_history = [
    np.mean([x[i] for x in all_mae_histories]) for i in range(num_epochs)
]

truncated_mae_history = average_mae_history[1:]  # test: [10:]

model = get_model()
model.fit(x_train, y_train, epochs=3, batch_size=16, verbose=0)  # test: 130 epochs
test_mean_squared_error, test_mean_absolute_error = model.evaluate(
    x_test, y_test
)

round(test_mean_absolute_error, 3)

predictions = model.predict(x_test)
predictions[0]
'''


def test_chapter_4_house_prices_k_fold():
    k, s = run_both(CHAPTER_4_HOUSING)
    np.testing.assert_allclose(s.all_scores, k.all_scores, rtol=1e-5)  # each fold's validation MAE
    np.testing.assert_allclose(s.average_mae_history, k.average_mae_history, rtol=1e-5)
    assert len(s.all_scores) == 4 and s.predictions.shape == (60, 1)
