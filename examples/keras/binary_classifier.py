"""The textbook's feed-forward network (article 003, section 4.1): Dense 128 -> 64 -> 1 with a
sigmoid output, binary cross-entropy, Adam; only the import changed.

    python examples/keras/binary_classifier.py

The article's code defines ``create_model()`` and then compiles a ``model`` it never created; its
evident intent is ``model = create_model()``, which is what runs here. x_train / y_train: points in
100 dimensions labelled by the side of a hyperplane they fall on (5% of the labels flipped), so the
best possible accuracy is about 95%.
"""
import seegrad as tf  # was: import tensorflow as tf (tf.keras is seegrad.keras)

from textbook_data import two_classes


def create_model():
    # 定义神经网络的结构 (the network)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu', input_shape=(100,)),
        tf.keras.layers.Dense(64, activation='relu'),
        tf.keras.layers.Dense(1, activation='sigmoid')
    ])
    return model


def build_model():
    model = create_model()
    # 编译神经网络 (compile)
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    return model


def main(model=None, epochs=10, samples=5000, shuffle=True, verbose=2):
    x_all, y_all = two_classes(samples + 500, 100, seed=0)  # the last 500 points are the test set
    x_train, y_train, x_test, y_test = x_all[:samples], y_all[:samples], x_all[samples:], y_all[samples:]
    model = model or build_model()
    # 训练神经网络 (train)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, shuffle=shuffle, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")
    return model, history, (loss, accuracy)


if __name__ == "__main__":
    main()
