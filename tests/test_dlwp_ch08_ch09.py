# Programs from Deep Learning with Python, 3rd edition: chapter08_image-classification.ipynb and
# chapter09_convnet-architecture-patterns.ipynb of github.com/fchollet/deep-learning-with-python-notebooks
# (MIT, (c) François Chollet). The cells are quoted as they are, but for the lines marked "# test:".
"""Chapters 8 and 9 (convnets) under Keras 3 and under seegrad.keras from the same initial weights
(tests/dlwp_helpers.py): the MNIST convnet with and without max pooling, the dogs-vs-cats convnet
from scratch with its ModelCheckpoint, the residual blocks, and the Xception-like model (BatchNormalization,
SeparableConv2D, residual connections). Every fit's History, evaluate and the final weights agree.

What the tests change: the images are stand-ins, fewer and smaller (dlwp_helpers.mnist_like,
cats_and_dogs_like; the dogs-vs-cats input 84x84 and 64x64 instead of 180x180, the least the five
pooling stages take); the download cells and ``image_dataset_from_directory`` / tf.data pipelines are
replaced by the arrays they would yield, given to fit(x, y, batch_size=batch_size); the data
augmentation layers (RandomFlip, RandomRotation, RandomZoom) are compared by their configuration here,
their transforms in tests/test_keras_augmentation.py."""
import numpy as np
import pytest

from dlwp_helpers import gradients_near_float64, run_both, to_seegrad
from keras_helpers import oracle

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

MNIST_CONVNET = '''
import keras
from keras import layers

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(inputs)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

model.summary(line_length=80)

from dlwp_helpers import mnist_like  # test: stands in for `from keras.datasets import mnist`

(train_images, train_labels), (test_images, test_labels) = mnist_like(160, 48)  # test: mnist.load_data()
train_images = train_images.reshape((160, 28, 28, 1))  # test: 60000
train_images = train_images.astype("float32") / 255
test_images = test_images.reshape((48, 28, 28, 1))  # test: 10000
test_images = test_images.astype("float32") / 255
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(train_images, train_labels, epochs=2, batch_size=64)  # test: 5 epochs

test_loss, test_acc = model.evaluate(test_images, test_labels)
print(f"Test accuracy: {test_acc:.3f}")

inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(inputs)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model_no_max_pool = keras.Model(inputs=inputs, outputs=outputs)

model_no_max_pool.summary(line_length=80)
'''


def test_chapter_8_mnist_convnet():
    # float32 rounding of the convolutions' sums differs by CPU; on an AVX2-only AMD EPYC the losses end 3.8e-5
    # apart and one output channel's kernel (gradients far under the median, which Adam divides by their small
    # root-mean-square, as in chapter 9's residual blocks) 1.1e-4 apart: a fifth of one Adam step
    k, s = run_both(MNIST_CONVNET, weight_atol=2e-4, loss_rtol=1e-4)
    assert s.printed == k.printed  # both summaries and the test accuracy to 3 places


DOGS_VS_CATS = '''
import keras
from keras import layers

inputs = keras.Input(shape=(84, 84, 3))  # test: (180, 180, 3)
x = layers.Rescaling(1.0 / 255)(inputs)
x = layers.Conv2D(filters=32, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=64, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=128, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=256, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=512, kernel_size=3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

model.summary(line_length=80)

model.compile(
    loss="binary_crossentropy",
    optimizer="adam",
    metrics=["accuracy"],
)

from dlwp_helpers import cats_and_dogs_like  # test: instead of image_dataset_from_directory

batch_size = 16  # test: 64
image_size = (84, 84)  # test: (180, 180)
train_images, train_labels = cats_and_dogs_like(32, image_size, seed=0)  # test: train_dataset
val_images, val_labels = cats_and_dogs_like(16, image_size, seed=1)  # test: validation_dataset
test_images, test_labels = cats_and_dogs_like(16, image_size, seed=2)  # test: test_dataset

callbacks = [
    keras.callbacks.ModelCheckpoint(
        filepath="convnet_from_scratch.keras",
        save_best_only=True,
        monitor="val_loss",
    )
]
history = model.fit(
    train_images,  # test: train_dataset
    train_labels,  # test
    batch_size=batch_size,  # test: the dataset's batches
    epochs=2,  # test: 50
    validation_data=(val_images, val_labels),  # test: validation_dataset
    callbacks=callbacks,
)

accuracy = history.history["accuracy"]
val_accuracy = history.history["val_accuracy"]
loss = history.history["loss"]
val_loss = history.history["val_loss"]

test_model = keras.models.load_model("convnet_from_scratch.keras")
test_loss, test_acc = test_model.evaluate(test_images, test_labels)  # test: test_dataset
print(f"Test accuracy: {test_acc:.3f}")
'''


def test_chapter_8_dogs_vs_cats_convnet_from_scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # ModelCheckpoint writes convnet_from_scratch.keras where the program runs
    # weights: a few entries end up to 1e-5 apart, those whose gradients are hundreds of times under
    # the median (traced in the residual model below, with Keras' Adam velocities): Adam divides each
    # step by the gradient's root-mean-square, so the float32 rounding of those gradients (within
    # float32's reach of float64's: checked below) becomes a difference in the step; allow a fifth of
    # one Adam step (learning rate 1e-3)
    k, s = run_both(DOGS_VS_CATS, weight_atol=2e-4)
    assert s.printed == k.printed
    gradients_near_float64(DOGS_VS_CATS.split("from dlwp_helpers")[0], k.train_images[:16], k.train_labels[:16])


AUGMENTATION = '''
from keras import layers

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.2),
]
'''


def test_chapter_8_data_augmentation_layers():
    """The three layers, configured as Keras' (the transforms themselves against Keras' ops, with Keras'
    draws, are in tests/test_keras_augmentation.py); in a model they are the identity at inference."""
    oracle()  # Keras 3 on the torch backend
    keras, ours = {}, {}
    exec(compile(AUGMENTATION, "<program under keras>", "exec"), keras)
    exec(compile(to_seegrad(AUGMENTATION), "<program under seegrad>", "exec"), ours)
    for k, s in zip(keras["data_augmentation_layers"], ours["data_augmentation_layers"], strict=True):
        assert type(s).__name__ == type(k).__name__
        k_config, s_config = k.get_config(), s.get_config()
        for key in ("mode", "factor", "height_factor", "width_factor", "fill_mode", "interpolation", "fill_value",
                    "seed", "data_format"):
            assert s_config.get(key) == k_config.get(key), key
    images = np.random.default_rng(0).uniform(0, 255, (2, 16, 16, 3)).astype(np.float32)
    for layer in ours["data_augmentation_layers"]:
        np.testing.assert_array_equal(layer(images, training=False).numpy(), images)


RESIDUAL_BLOCKS = '''
import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
residual = x
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
residual = layers.Conv2D(64, 1)(residual)
x = layers.add([x, residual])

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
residual = x
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
x = layers.MaxPooling2D(2, padding="same")(x)
residual = layers.Conv2D(64, 1, strides=2)(residual)
x = layers.add([x, residual])

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Rescaling(1.0 / 255)(inputs)

def residual_block(x, filters, pooling=False):
    residual = x
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    if pooling:
        x = layers.MaxPooling2D(2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2)(residual)
    elif filters != residual.shape[-1]:
        residual = layers.Conv2D(filters, 1)(residual)
    x = layers.add([x, residual])
    return x

x = residual_block(x, filters=32, pooling=True)
x = residual_block(x, filters=64, pooling=True)
x = residual_block(x, filters=128, pooling=False)

x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

from dlwp_helpers import cats_and_dogs_like  # test: the book stops at the model; train it briefly
images, labels = cats_and_dogs_like(24, (32, 32), seed=3)  # test
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])  # test
model.fit(images, labels, batch_size=8, epochs=2)  # test
model.summary()  # test
'''


def test_chapter_9_residual_blocks():
    # weights: entries end up to 7e-5 apart, those whose gradients are hundreds of times under the
    # median (traced: Keras' Adam velocities); Adam divides by that small root-mean-square, so the
    # gradients' float32 rounding (checked against float64 below) shows: allow a fifth of one Adam step
    # PyTorch's oneDNN convolution backward aborts the process on some CPUs (SIGABRT or SIGBUS on an AVX2-only
    # AMD EPYC with torch 2.13; plain Keras on its torch backend crashes alike): without oneDNN the oracle runs
    # the same convolutions as im2col + gemm
    import torch  # noqa: PLC0415  (Keras' backend here: oracle() has imported it)

    with torch.backends.mkldnn.flags(enabled=False):
        k, s = run_both(RESIDUAL_BLOCKS, weight_atol=2e-4)
        assert s.printed == k.printed  # the summary, "Connected to" column included
        gradients_near_float64(RESIDUAL_BLOCKS.split("from dlwp_helpers")[0], k.images[:8], k.labels[:8])


XCEPTION_LIKE = '''
import keras
from keras import layers

inputs = keras.Input(shape=(64, 64, 3))  # test: (180, 180, 3)
x = layers.Rescaling(1.0 / 255)(inputs)
x = layers.Conv2D(filters=32, kernel_size=5, use_bias=False)(x)

for size in [32, 64, 128, 256, 512]:
    residual = x

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(size, 3, padding="same", use_bias=False)(x)

    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

    residual = layers.Conv2D(
        size, 1, strides=2, padding="same", use_bias=False
    )(residual)
    x = layers.add([x, residual])

x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.5)(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

from dlwp_helpers import cats_and_dogs_like  # test: instead of the (augmented) image datasets
train_images, train_labels = cats_and_dogs_like(32, (64, 64), seed=4)  # test: augmented_train_dataset
val_images, val_labels = cats_and_dogs_like(16, (64, 64), seed=5)  # test: validation_dataset

model.compile(
    loss="binary_crossentropy",
    optimizer="adam",
    metrics=["accuracy"],
)
history = model.fit(
    train_images,  # test: augmented_train_dataset
    train_labels,  # test
    batch_size=16,  # test: the dataset's batches of 64
    epochs=1,  # test: 100 (see the test for why one)
    validation_data=(val_images, val_labels),  # test: validation_dataset
)
'''


def test_chapter_9_xception_like_batchnorm_separable_residual():
    # One epoch, two Adam steps, through 10 BatchNormalization layers: at the second step, weights whose
    # gradients are far under their tensor's median (separable pointwise kernels, BN betas) take steps
    # that the gradients' float32 rounding decides (Adam divides by their root-mean-square): they end
    # 1e-4 to 1.3e-3 apart, by how the process's earlier work left torch's CPU kernels (one output
    # channel's column, a whole step in one pytest process; 1.1e-4 alone). So the weights are only held
    # to the 2.5e-3 two Adam steps (learning rate 1e-3) can move them; what is checked tightly is
    # the figures (the losses agree to 4e-7) and the gradients, against float64 below (seegrad's within
    # 8e-6 of each weight's largest, Keras' float32 within 2e-6). Two epochs: val_loss 8e-5 apart.
    k, s = run_both(XCEPTION_LIKE, weight_atol=2.5e-3)
    assert len(s.model.non_trainable_weights) == 20  # the moving means and variances, compared with the rest
    gradients_near_float64(XCEPTION_LIKE.split("from dlwp_helpers")[0], k.train_images[:16], k.train_labels[:16])
