"""Data for the textbook's Keras programs, which use x_train / y_train without saying where they
come from. Everything here is offline: scikit-learn's bundled digits, or numbers drawn from a
seeded generator. Plain numpy, so the same arrays feed Keras and seegrad.keras alike."""
import numpy as np

from seegrad.data import load_digits


def digits_28x28(samples=None, seed=0):
    """The 8x8 digits blown up to MNIST's 28x28 (each pixel a 3x3 block, 2 pixels of border):
    ((x_train, y_train), (x_test, y_test)), x float32 in [0, 1] of shape (N, 28, 28, 1), y 0..9."""
    split = load_digits(seed=seed, flatten=False)

    def grow(x):
        x = np.kron(x.reshape(-1, 8, 8), np.ones((3, 3), np.float32))  # (N, 24, 24)
        return np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)  # (N, 28, 28, 1)

    train, test = (grow(split.X_train), split.y_train), (grow(split.X_test), split.y_test)
    if samples is not None:
        train, test = (train[0][:samples], train[1][:samples]), (test[0][:samples], test[1][:samples])
    return train, test


def two_classes(n, features, seed=0):
    """Points in ``features`` dimensions labelled by the side of a random hyperplane they fall on
    (with 5% of the labels flipped): x (n, features) float32, y (n,) in {0, 1}."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x @ rng.normal(size=features) > 0).astype(np.int64)
    flip = rng.random(n) < 0.05
    return x, np.where(flip, 1 - y, y)


def sequences(n, steps, features, seed=0):
    """Noise sequences (n, steps, features) whose class (y in {0, 1}) is a faint drift of feature 0:
    +0.3 (class 1) or -0.3 (class 0) at every step, under noise of sd 1. One step tells little;
    the LSTM has to add the evidence up over the sequence."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=(n, steps, features)).astype(np.float32)
    x[:, :, 0] += np.where(y == 1, 0.3, -0.3)[:, None]
    return x, y.astype(np.int64)
