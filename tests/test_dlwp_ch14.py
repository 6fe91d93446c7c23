# Programs from Deep Learning with Python, 3rd edition: chapter14_text-classification.ipynb of
# github.com/fchollet/deep-learning-with-python-notebooks (MIT, (c) François Chollet). The cells are quoted
# as they are, but for the lines marked "# test:".
"""Chapter 14 (text classification) under Keras 3 and under seegrad.keras from the same initial
weights (tests/dlwp_helpers.py): the bag-of-words and bigram linear classifiers with EarlyStopping
(restore_best_weights), and the CBOW word-embedding model (Embedding, GlobalAveragePooling1D, a
30000-way Dense), and the bidirectional LSTM over Embedding(mask_zero=True) on padded sequences.
xfail(strict), with the cause: TextVectorization. The OneHotEncoding layer written with keras.ops runs in
the bidirectional LSTM model, traced and trained as Keras'.

What the tests change: the IMDB texts and TextVectorization are stood in for by word ids drawn in
the test and their multi-hot vectors (dlwp_helpers.word_sequences, multi_hot), given to fit as arrays
in batches of 32 (the datasets' batches); CBOW's windows are cut with numpy; fewer samples and epochs."""
import numpy as np
import pytest

from dlwp_helpers import run_both, to_seegrad
from seegrad.keras import NotSupported

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

DATA = '''
import keras
from keras import layers
from dlwp_helpers import word_sequences, multi_hot  # test: stand-ins for the IMDB texts and TextVectorization

batch_size = 32
(train_ids, train_labels), (val_ids, val_labels), (test_ids, test_labels) = (  # test: train_ds, val_ds, test_ds
    word_sequences(256, 20_000, 2, seed=11), word_sequences(64, 20_000, 2, seed=12),
    word_sequences(64, 20_000, 2, seed=13))
'''

BAG_OF_WORDS = DATA + '''
max_tokens = 20_000
bag_of_words_train = multi_hot(train_ids, max_tokens)  # test: bag_of_words_train_ds
bag_of_words_val = multi_hot(val_ids, max_tokens)  # test: bag_of_words_val_ds
bag_of_words_test = multi_hot(test_ids, max_tokens)  # test: bag_of_words_test_ds

def build_linear_classifier(max_tokens, name):
    inputs = keras.Input(shape=(max_tokens,))
    outputs = layers.Dense(1, activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer="adam",
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model

model = build_linear_classifier(max_tokens, "bag_of_words_classifier")

model.summary(line_length=80)

early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss",
    restore_best_weights=True,
    patience=2,
)
history = model.fit(
    bag_of_words_train, train_labels, batch_size=batch_size,  # test: bag_of_words_train_ds
    validation_data=(bag_of_words_val, val_labels),  # test: bag_of_words_val_ds
    epochs=4,  # test: 10
    callbacks=[early_stopping],
)

accuracy = history.history["accuracy"]
val_accuracy = history.history["val_accuracy"]

test_loss, test_acc = model.evaluate(bag_of_words_test, test_labels)  # test: bag_of_words_test_ds
test_acc

max_tokens = 30_000
bigram_train = multi_hot(train_ids, max_tokens, ngrams=2)  # test: bigram_train_ds
bigram_val = multi_hot(val_ids, max_tokens, ngrams=2)  # test: bigram_val_ds
bigram_test = multi_hot(test_ids, max_tokens, ngrams=2)  # test: bigram_test_ds

model = build_linear_classifier(max_tokens, "bigram_classifier")
model.fit(
    bigram_train, train_labels, batch_size=batch_size,  # test: bigram_train_ds
    validation_data=(bigram_val, val_labels),  # test: bigram_val_ds
    epochs=4,  # test: 10
    callbacks=[early_stopping],
)

test_loss, test_acc = model.evaluate(bigram_test, test_labels)  # test: bigram_test_ds
test_acc
'''


def test_chapter_14_bag_of_words_and_bigrams():
    k, s = run_both(BAG_OF_WORDS)
    assert s.printed == k.printed  # the summary (line_length=80)
    assert s.accuracy[-1] > s.accuracy[0]


CBOW = DATA + '''
import numpy as np

max_tokens = 30_000
context_size = 4
window_size = 9
windows = np.concatenate([  # test: window_data over the tokenised texts (tf.data)
    np.lib.stride_tricks.sliding_window_view(np.asarray(ids), window_size) for ids in train_ids[:8]])
bags = np.concatenate([windows[:, :context_size], windows[:, context_size + 1:]], axis=1)  # test: split_label
labels = windows[:, 4]  # test: split_label

hidden_dim = 64
inputs = keras.Input(shape=(2 * context_size,))
cbow_embedding = layers.Embedding(
    max_tokens,
    hidden_dim,
)
x = cbow_embedding(inputs)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(max_tokens, activation="sigmoid")(x)
cbow_model = keras.Model(inputs, outputs)
cbow_model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)

cbow_model.summary(line_length=80)

cbow_model.fit(bags, labels, batch_size=128, epochs=2)  # test: dataset.batch(1024), 4 epochs
'''


def test_chapter_14_cbow_word_embeddings():
    k, s = run_both(CBOW)
    assert s.printed == k.printed


TEXT_VECTORIZATION = '''
from keras import layers

max_tokens = 20_000
text_vectorization = layers.TextVectorization(
    max_tokens=max_tokens,
    split="whitespace",
    output_mode="multi_hot",
)
'''


@pytest.mark.xfail(strict=True, raises=NotSupported,
                   reason="seegrad.keras has no TextVectorization layer (vocabulary from adapt(), multi_hot/int "
                          "output, ngrams); the tests feed word ids drawn in the test instead")
def test_chapter_14_text_vectorization():
    exec(compile(to_seegrad(TEXT_VECTORIZATION), "<program under seegrad>", "exec"), {})


ONE_HOT_LAYER = '''
import keras
from keras import ops

class OneHotEncoding(keras.Layer):
    def __init__(self, depth, **kwargs):
        super().__init__(**kwargs)
        self.depth = depth

    def call(self, inputs):
        flat_inputs = ops.reshape(ops.cast(inputs, "int"), [-1])
        one_hot_vectors = ops.eye(self.depth)
        outputs = ops.take(one_hot_vectors, flat_inputs, axis=0)
        return ops.reshape(outputs, ops.shape(inputs) + (self.depth,))
'''


ONE_HOT_MODEL = ONE_HOT_LAYER + '''
from keras import layers
import numpy as np  # test: word ids drawn in the test, padded with zeros, instead of int_train_ds
from dlwp_helpers import word_sequences  # test

max_length = 40  # test: 600
max_tokens = 300  # test: 30_000
hidden_dim = 16  # test: 64
ids, labels = word_sequences(24, max_tokens, 2, seed=15)  # test
padded = np.zeros((24, max_length), dtype="int32")  # test
for i, words in enumerate(ids):  # test
    padded[i, :min(len(words), max_length)] = words[:max_length]  # test

one_hot_encoding = OneHotEncoding(max_tokens)
encoded = one_hot_encoding(padded[:2])  # test: the layer on a batch of ids
inputs = keras.Input(shape=(max_length,), dtype="int32")
x = one_hot_encoding(inputs)
x = layers.Bidirectional(layers.LSTM(hidden_dim))(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs, name="lstm_with_one_hot")
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(padded, labels, batch_size=8, epochs=2)  # test: int_train_ds, validation_data, 10 epochs
predictions = model.predict(padded[:4])  # test
'''


def test_chapter_14_one_hot_encoding_layer_on_keras_ops():
    """The OneHotEncoding layer written with keras.ops (cast, reshape, eye, take, shape): its output on a
    batch of ids is Keras' (float32 one-hot rows), its symbolic output shape (None, 40, 300) is traced
    from its call, and the bidirectional LSTM on it trains as Keras' (figures and weights)."""
    k, s = run_both(ONE_HOT_MODEL)
    encoded = k.encoded.detach().cpu().numpy()
    assert s.encoded.dtype == np.float32 and encoded.dtype == np.float32
    np.testing.assert_array_equal(s.encoded.numpy(), encoded)
    assert s.model.layers[1].output_shape == (None, 40, 300)
    np.testing.assert_allclose(s.predictions, k.predictions, rtol=1e-4, atol=1e-6)


MASKED_LSTM = '''
import keras

max_length = 600
max_tokens = 30_000
hidden_dim = 64
inputs = keras.Input(shape=(max_length,), dtype="int32")
x = keras.layers.Embedding(
    input_dim=max_tokens,
    output_dim=hidden_dim,
    mask_zero=True,
)(inputs)
x = keras.layers.Bidirectional(keras.layers.LSTM(hidden_dim))(x)
x = keras.layers.Dropout(0.5)(x)
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs, name="lstm_with_embedding")
'''

MASKED_LSTM_RUN = '''
import numpy as np  # test: the book trains on the padded IMDB reviews; a few short padded sequences instead
from dlwp_helpers import word_sequences  # test
ids, labels = word_sequences(16, max_tokens, 2, seed=14)  # test: 20 to 80 words each
padded = np.zeros((16, max_length), dtype="int32")  # test: TextVectorization(output_sequence_length=600) pads
for i, words in enumerate(ids):  # test: with zeros after the words
    padded[i, :len(words)] = words  # test
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(padded, labels, batch_size=8, epochs=1)  # test: int_train_ds, validation_data, 10 epochs
padded_predictions = model.predict(padded[:4])  # test
'''


def test_chapter_14_embedding_mask_zero_bidirectional_lstm():
    """The bidirectional LSTM reads only the unpadded words: trained one epoch from Keras' weights, every
    figure and weight agrees; and the padding changes nothing (Keras' predictions are not those of the
    same model without the mask, seegrad's are Keras')."""
    k, s = run_both(MASKED_LSTM + MASKED_LSTM_RUN)
    unmasked = {}  # the same model and weights without mask_zero, under Keras
    exec(compile(MASKED_LSTM.replace("mask_zero=True", "mask_zero=False"), "<unmasked>", "exec"), unmasked)
    unmasked["model"].set_weights(k.model.get_weights())
    assert not np.allclose(unmasked["model"].predict(k.padded[:4], verbose=0), k.padded_predictions, atol=1e-3)
    np.testing.assert_allclose(s.padded_predictions, k.padded_predictions, rtol=1e-4, atol=1e-6)
