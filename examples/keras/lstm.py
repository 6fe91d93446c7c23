"""The textbook's recurrent network (article 003, sections 4.2 and 4.4): two stacked LSTMs (128 units
returning every step's output, then 64) and a sigmoid output, on sequences of 100 steps of 100
features; binary cross-entropy and Adam. Only the import changed.

    python examples/keras/lstm.py                    # ~90% test accuracy after 10 epochs
    python examples/keras/lstm.py --epochs 3

The article forgets ``model = create_model()``. x_train: noise sequences whose class is a faint
drift of one feature (+-0.3 a step under noise of 1): no single step tells, the network has to
add the evidence up over the 100 steps. In PyTorch terms each LSTM is nn.LSTM(batch_first=True) whose last
step (or every step, return_sequences=True) goes on; here the layers say so themselves.
"""
import sys

import seegrad as tf  # was: import tensorflow as tf

from textbook_data import sequences


def create_model():
    # 定义神经网络的结构 (the network)
    model = tf.keras.Sequential([
        tf.keras.layers.LSTM(128, return_sequences=True, input_shape=(100, 100)),
        tf.keras.layers.LSTM(64),
        tf.keras.layers.Dense(1, activation='sigmoid')
    ])
    return model


def build_model():
    model = create_model()
    # 编译神经网络 (compile)
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    return model


def main(model=None, epochs=10, samples=1000, shuffle=True, verbose=2):
    x, y = sequences(samples + 200, 100, 100, seed=0)  # the last 200 are the test set
    x_train, y_train, x_test, y_test = x[:samples], y[:samples], x[samples:], y[samples:]
    model = model or build_model()
    # 训练神经网络 (train)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, shuffle=shuffle, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")
    return model, history, (loss, accuracy)


if __name__ == "__main__":
    main(epochs=int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 10)
