"""The textbook's first Keras program (article 002, section 4), with only the import changed:
a 784-10-10-10 network with a softmax output, Adam and categorical cross-entropy.

    python examples/keras/dense_classifier.py            # 80-94% test accuracy in a few seconds (now and then
                                                         # ~57%, under Keras too: a 10-unit ReLU layer can lose units)

The article trains on x_train / y_train without defining them; here they are the digits, grown to
MNIST's 28 x 28 = 784 pixels and flattened, with one-hot labels (categorical_crossentropy wants them).
Under Keras the same file runs with ``from keras...`` imports (tests/test_keras_examples.py does that).
"""
from seegrad.keras.models import Sequential
from seegrad.keras.layers import Dense
from seegrad.keras.utils import to_categorical

from textbook_data import digits_28x28


def load_data(samples=None):
    (x_train, y_train), (x_test, y_test) = digits_28x28(samples)
    return ((x_train.reshape(len(x_train), 784), to_categorical(y_train, 10)),
            (x_test.reshape(len(x_test), 784), to_categorical(y_test, 10)))


def build_model():
    # 创建神经网络模型 (create the model)
    model = Sequential()
    # 添加输入层 (the input layer)
    model.add(Dense(units=10, activation='relu', input_dim=784))
    # 添加隐藏层 (a hidden layer)
    model.add(Dense(units=10, activation='relu'))
    # 添加输出层 (the output layer)
    model.add(Dense(units=10, activation='softmax'))
    # 编译模型 (compile)
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    return model


def main(model=None, epochs=10, samples=None, shuffle=True, verbose=2):
    (x_train, y_train), (x_test, y_test) = load_data(samples)
    model = model or build_model()
    # 训练模型 (train)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, shuffle=shuffle, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.4f}, test loss {loss:.4f}")
    return model, history, (loss, accuracy)


if __name__ == "__main__":
    main()
