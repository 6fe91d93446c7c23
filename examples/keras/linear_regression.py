"""The textbook's linear regression (article 004, section 4): one Dense unit on one input,
SGD on the mean squared error, 1000 epochs, then predict. Only the import changed.

    python examples/keras/linear_regression.py       # learns y = 2x + 1 from 100 noisy points

The article fits X and y it never defines: here 100 points x in [0, 1) with y = 2x + 1 plus noise
of sd 0.1. Keras' SGD has learning rate 0.01 and fit takes batches of 32, so 1000 epochs are
4000 small steps; the line found is printed next to the true one.
"""
import sys

import numpy as np

import seegrad as tf  # was: import tensorflow as tf


def make_data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 1)).astype(np.float32)
    y = (2 * X + 1 + rng.normal(scale=0.1, size=(n, 1))).astype(np.float32)
    return X, y


def build_model():
    # 定义神经网络的结构 (one neuron: y = w x + b)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(1, input_shape=(1,))
    ])
    # 编译模型 (compile)
    model.compile(optimizer='sgd', loss='mean_squared_error')
    return model


def main(model=None, epochs=1000, shuffle=True, verbose=0):
    X, y = make_data()
    model = model or build_model()
    # 训练模型 (train)
    history = model.fit(X, y, epochs=epochs, shuffle=shuffle, verbose=verbose)
    # 使用模型进行预测 (predict)
    predictions = model.predict(X, verbose=0)
    kernel, bias = model.layers[0].get_weights()  # kernel (1, 1), bias (1,)
    w, b = kernel[0, 0], bias[0]
    print(f"learned y = {w:.3f} x + {b:.3f} (true: y = 2x + 1); final loss {history.history['loss'][-1]:.5f}")
    return model, history, predictions


if __name__ == "__main__":
    main(epochs=int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 1000)
