# Programs from Deep Learning with Python, 3rd edition: chapter05_fundamentals-of-ml.ipynb of
# github.com/fchollet/deep-learning-with-python-notebooks (MIT, (c) François Chollet). The cells are quoted
# as they are, but for the lines marked "# test:".
"""Chapter 5 (generalisation, overfitting, regularisation) under Keras 3 and under seegrad.keras from
the same initial weights (tests/dlwp_helpers.py): noise channels, random labels, learning rates too
high and right, models too small, right and too big, then the IMDB model smaller, bigger, with L2
weight penalties and with Dropout. Every fit's History and the final weights agree.

The datasets are stand-ins (dlwp_helpers: mnist_like, word_sequences), smaller; sizes written in
the programs and the epochs are scaled down with them (marked "# test:"); plots are left out.
Dropout's masks are Keras' own, handed to seegrad (dlwp_helpers says why)."""
import numpy as np
import pytest

from dlwp_helpers import run_both

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

MNIST_PROGRAMS = '''
from dlwp_helpers import mnist_like  # test: stands in for `from keras.datasets import mnist`
import numpy as np

(train_images, train_labels), _ = mnist_like(400, 0)  # test: mnist.load_data()
train_images = train_images.reshape((400, 28 * 28))  # test: 60000
train_images = train_images.astype("float32") / 255

train_images_with_noise_channels = np.concatenate(
    [train_images, np.random.random((len(train_images), 784))], axis=1
)
train_images_with_zeros_channels = np.concatenate(
    [train_images, np.zeros((len(train_images), 784))], axis=1
)

import keras
from keras import layers

def get_model():
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
    return model

model = get_model()
history_noise = model.fit(
    train_images_with_noise_channels,
    train_labels,
    epochs=3,  # test: 10
    batch_size=128,
    validation_split=0.2,
)

model = get_model()
history_zeros = model.fit(
    train_images_with_zeros_channels,
    train_labels,
    epochs=3,  # test: 10
    batch_size=128,
    validation_split=0.2,
)

val_acc_noise = history_noise.history["val_accuracy"]
val_acc_zeros = history_zeros.history["val_accuracy"]

(train_images, train_labels), _ = mnist_like(400, 0)  # test: mnist.load_data()
train_images = train_images.reshape((400, 28 * 28))  # test: 60000
train_images = train_images.astype("float32") / 255

random_train_labels = train_labels[:]
np.random.shuffle(random_train_labels)

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    train_images,
    random_train_labels,
    epochs=3,  # test: 100
    batch_size=128,
    validation_split=0.2,
)

(train_images, train_labels), _ = mnist_like(400, 0)  # test: mnist.load_data()
train_images = train_images.reshape((400, 28 * 28))  # test: 60000
train_images = train_images.astype("float32") / 255

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1.0),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    train_images, train_labels, epochs=3, batch_size=128, validation_split=0.2  # test: 10 epochs
)

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=1e-2),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    train_images, train_labels, epochs=3, batch_size=128, validation_split=0.2  # test: 10 epochs
)

model = keras.Sequential([layers.Dense(10, activation="softmax")])
model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_small_model = model.fit(
    train_images, train_labels, epochs=3, batch_size=128, validation_split=0.2  # test: 20 epochs
)

val_loss = history_small_model.history["val_loss"]

model = keras.Sequential(
    [
        layers.Dense(128, activation="relu"),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_large_model = model.fit(
    train_images,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,
    validation_split=0.2,
)

model = keras.Sequential(
    [
        layers.Dense(2048, activation="relu"),
        layers.Dense(2048, activation="relu"),
        layers.Dense(2048, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_very_large_model = model.fit(
    # test: the whole set in the book; a slice keeps the 2048-wide layers quick. Not the first ones ([:96]): from this
    # program's initial weights, its first step leaves one sample's pre-activation of unit 448 at 1e-8,
    # at float32 rounding, so one library's ReLU counts it and the other's does not; the unit then dies
    # with its kernel column 7e-5 apart in the two (found by tracing the steps; an honest tie, not a bug)
    train_images[-128:],
    train_labels[-128:],  # test: the whole set
    epochs=2,  # test: 20
    batch_size=32,
    validation_split=0.2,
)
'''


def test_chapter_5_mnist_capacity_and_learning_rates():
    k, s = run_both(MNIST_PROGRAMS)
    assert np.array_equal(s.random_train_labels, k.random_train_labels)  # the same np.random draws
    assert s.history_large_model.history["loss"][-1] < s.history_large_model.history["loss"][0]


IMDB_REGULARISATION = '''
from dlwp_helpers import word_sequences  # test: stands in for `from keras.datasets import imdb`
import numpy as np
import keras
from keras import layers

(train_data, train_labels), _ = word_sequences(500, 10000, 2, seed=5), None  # test: imdb.load_data(num_words=10000)

def vectorize_sequences(sequences, dimension=10000):
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.0
    return results

train_data = vectorize_sequences(train_data)

model = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_original = model.fit(
    train_data,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,  # test: 512 (smaller, for several steps an epoch on the smaller set)
    validation_split=0.4,
)

model = keras.Sequential(
    [
        layers.Dense(4, activation="relu"),
        layers.Dense(4, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_smaller_model = model.fit(
    train_data,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,  # test: 512
    validation_split=0.4,
)

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu"),
        layers.Dense(512, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_larger_model = model.fit(
    train_data,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,  # test: 512
    validation_split=0.4,
)

from keras.regularizers import l2

model = keras.Sequential(
    [
        layers.Dense(16, kernel_regularizer=l2(0.002), activation="relu"),
        layers.Dense(16, kernel_regularizer=l2(0.002), activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_l2_reg = model.fit(
    train_data,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,  # test: 512
    validation_split=0.4,
)

from keras import regularizers

regularizers.l1(0.001)
regularizers.l1_l2(l1=0.001, l2=0.001)

model = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile(
    optimizer="rmsprop",
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history_dropout = model.fit(
    train_data,
    train_labels,
    epochs=3,  # test: 20
    batch_size=128,  # test: 512
    validation_split=0.4,
)
'''


def test_chapter_5_imdb_smaller_bigger_l2_dropout():
    k, s = run_both(IMDB_REGULARISATION)
    # the L2 model's loss holds the penalty: above the plain model's from the same start
    assert s.history_l2_reg.history["loss"][0] > s.history_original.history["loss"][0]
