"""The textbook's convolutional network (article 003, section 4.3): Conv2D(32, 3x3) -> MaxPooling2D
-> Flatten -> Dense 128 -> Dense 10 softmax on 28x28x1 images; only the import changed.

    python examples/keras/cnn.py                     # ~97% test accuracy; a few minutes on a laptop CPU
    python examples/keras/cnn.py --epochs 2

As in 4.1 the article forgets ``model = create_model()``. x_train: the digits grown to 28 x 28 x 1
(channels last, as Keras), labels one-hot for categorical_crossentropy. The shapes are Keras': no
5408 worked out by hand for the Dense after Flatten; the layer reads it off its input.
"""
import sys

import seegrad as tf  # was: import tensorflow as tf

from textbook_data import digits_28x28


def create_model():
    # 定义神经网络的结构 (the network)
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
        tf.keras.layers.MaxPooling2D((2, 2)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax')
    ])
    return model


def build_model():
    model = create_model()
    # 编译神经网络 (compile)
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    return model


def main(model=None, epochs=10, samples=None, shuffle=True, verbose=2):
    (x_train, y_train), (x_test, y_test) = digits_28x28(samples)
    y_train, y_test = tf.keras.utils.to_categorical(y_train, 10), tf.keras.utils.to_categorical(y_test, 10)
    model = model or build_model()
    # 训练神经网络 (train)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, shuffle=shuffle, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")
    return model, history, (loss, accuracy)


if __name__ == "__main__":
    main(epochs=int(sys.argv[sys.argv.index("--epochs") + 1]) if "--epochs" in sys.argv else 10)
