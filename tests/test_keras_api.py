"""seegrad.keras from the user's side, without Keras installed: shapes worked out for you, clear
errors naming the Keras feature that is not covered, and Keras models that are nn.Modules
(seegrad.fit, ONNX export and the server take them)."""
import io
import re
import sys

import numpy as np
import pytest

import autograd as ag
import nn
import optim
import seegrad
from seegrad import keras
from seegrad.keras import layers
from seegrad.keras.utils import NotSupported

pytestmark = pytest.mark.filterwarnings("ignore:Argument `input_length`")


def textbook_cnn():
    return keras.Sequential([
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def sigmoid_mlp(features=4):
    return keras.Sequential([layers.Dense(8, activation="relu", input_shape=(features,)),
                             layers.Dense(1, activation="sigmoid")])


def test_shapes_are_worked_out_from_the_input_shape():
    model = textbook_cnn()
    assert model.built and model.output_shape == (None, 10)
    assert [layer.output_shape for layer in model.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 5408), (None, 128), (None, 10)]
    assert model.layers[3].get_weights()[0].shape == (5408, 128)  # no 5408 worked out by hand
    text = []
    model.summary(print_fn=text.append)
    assert "(None, 13, 13, 32)" in text[0] and "692,352" in text[0] and "Total params: 693,962" in text[0]


def test_a_model_without_input_shape_builds_on_its_first_batch():
    model = keras.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(2)])
    assert not model.built
    text = []
    model.summary(print_fn=text.append)
    assert "?" in text[0] and "0 (unbuilt)" in text[0]
    out = model.predict(np.ones((3, 7)), verbose=0)
    assert out.shape == (3, 2) and model.built and model.layers[0].get_weights()[0].shape == (7, 4)
    with pytest.raises(ValueError, match="expected shape=\\(None, 7\\), found shape=\\(None, 5\\)"):
        model.predict(np.ones((3, 5)), verbose=0)


def test_keras_models_are_nn_modules():
    model = sigmoid_mlp()
    assert isinstance(model, nn.Module)
    assert list(model.state_dict()) == ["0.kernel", "0.bias", "1.kernel", "1.bias"]
    assert sum(p.numel() for p in model.parameters()) == model.count_params() == 49
    x = ag.randn(5, 4)
    with ag.no_grad():
        np.testing.assert_allclose(model(x).numpy(), model.predict(x.numpy(), verbose=0), rtol=1e-6)


def test_seegrad_fit_trains_a_keras_model_and_reads_its_sigmoid_head():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = sigmoid_mlp()
    loader = seegrad.data.DataLoader(seegrad.data.TensorDataset(ag.tensor(x), ag.tensor(y)), batch_size=20)
    history = seegrad.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05), loader, epochs=5,
                          progress=False)
    p = model.predict(x, verbose=0)
    assert history["accuracy"][-1] > 0.9
    assert seegrad.evaluate(model, loader)["accuracy"] == pytest.approx(float(((p > 0.5) == (y > 0.5)).mean()))


def test_onnx_export_and_serving_take_keras_models(tmp_path, monkeypatch):
    pytest.importorskip("onnx")  # export
    ort = pytest.importorskip("onnxruntime")  # runs the exported file
    from seegrad import serving
    from seegrad.export import export_onnx

    keras.utils.set_random_seed(1)
    cnn = keras.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, padding="same", activation="relu"),
                            layers.AveragePooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(1).random((5, 8, 8, 1)).astype(np.float32)
    export_onnx(cnn, ag.tensor(x[:2]), tmp_path / "cnn.onnx")
    session = ort.InferenceSession(str(tmp_path / "cnn.onnx"))
    np.testing.assert_allclose(session.run(None, {"input": x})[0], cnn.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert session.get_modelmeta().custom_metadata_map["output_activation"] == "softmax"

    model = sigmoid_mlp()
    nn.save(model.state_dict(), tmp_path / "model.npz")
    monkeypatch.setattr(serving, "build_model", lambda _: sigmoid_mlp())
    predictor = serving.load_predictor(tmp_path / "model.npz", model_def="x:y", task="classifier")
    assert predictor.input_shape == (4,) and predictor.output_activation == "sigmoid"
    rows = np.random.default_rng(2).normal(size=(6, 4)).astype(np.float32)
    answer = serving.format_response(predictor.predict(rows), predictor.task, predictor.output_activation)
    p = model.predict(rows, verbose=0)[:, 0]
    np.testing.assert_allclose(np.array(answer["probabilities"])[:, 1], p, rtol=1e-5)
    assert answer["predictions"] == [int(v > 0.5) for v in p] and answer["threshold"] == 0.5


def test_tf_keras_spelling_and_import_paths():
    import seegrad as tf
    from seegrad.keras.layers import Dense
    from seegrad.keras.models import Sequential

    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    assert isinstance(model, Sequential) and isinstance(model.layers[0], Dense)
    assert tf.keras.optimizers.Adam().epsilon == 1e-7 and tf.keras.optimizers.SGD().learning_rate == 0.01
    np.testing.assert_array_equal(tf.keras.utils.to_categorical([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


def test_features_not_covered_are_named_in_the_error():
    with pytest.raises(NotSupported, match="keras.layers.Conv3D"):
        from seegrad.keras.layers import Conv3D  # noqa: F401
    with pytest.raises(NotSupported, match=r"Dense\(kernel_constraint=...\)"):
        layers.Dense(3, kernel_constraint="non_neg")
    with pytest.raises(NotSupported, match="keras.regularizers.OrthogonalRegularizer"):
        keras.regularizers.OrthogonalRegularizer(0.1)
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 'l1_l2'"):
        layers.Dense(3, kernel_regularizer="l1_l2")  # as Keras 3: the name is "l1l2" (and means no penalty)
    with pytest.raises(ValueError, match=r"LSTM: `recurrent_dropout` must be a number in \[0, 1\)"):
        layers.LSTM(3, recurrent_dropout=1.5)
    with pytest.raises(NotSupported, match="the loss 'binary_focal_crossentropy'"):
        sigmoid_mlp().compile(loss="binary_focal_crossentropy")
    with pytest.raises(NotSupported, match="the optimizer 'ftrl'"):
        sigmoid_mlp().compile(optimizer="ftrl", loss="mse")
    model = sigmoid_mlp()
    model.compile(loss="binary_crossentropy")
    with pytest.raises(NotSupported, match=r"fit\(steps_per_epoch=...\)"):
        model.fit(np.ones((4, 4)), np.ones(4), steps_per_epoch=2, verbose=0)
    with pytest.raises(NotSupported, match=r"compile\(weighted_metrics=...\)"):
        model.compile(loss="binary_crossentropy", weighted_metrics=["accuracy"])
    with pytest.raises(NotSupported, match="Conv2D\\(data_format='channels_first'\\)"):
        layers.Conv2D(2, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(3, kernel_init="zeros")


def test_mistakes_get_keras_messages_and_change_nothing():
    model = sigmoid_mlp()
    with pytest.raises(ValueError, match="You must call `compile\\(\\)`"):
        model.fit(np.ones((4, 4)), np.ones(4))
    before = model.get_weights()
    with pytest.raises(ValueError, match="was expecting 4 weights"):
        model.set_weights(before[:3])
    with pytest.raises(ValueError, match="weight shape \\(8,\\) is not compatible"):
        model.set_weights([before[0], np.ones(7), *before[2:]])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing half-copied
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(AttributeError, match="set `optimizer.learning_rate = 0.1`"):
        model.optimizer.lr = 0.1
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(np.ones((4, 4)), np.ones(5), verbose=0)
    with pytest.raises(ValueError, match="expected ndim=4"):
        keras.Sequential([layers.Conv2D(2, 3, input_shape=(5, 5))])
    for too_big in (layers.MaxPooling2D((3, 2)), layers.Conv2D(1, 3)):  # Keras refuses an output of size 0
        with pytest.raises(ValueError, match="output size would be zero or negative"):
            keras.Sequential([keras.Input((2, 3, 2)), too_big])
    with pytest.raises(ValueError, match="class indices in \\[0, 3\\)"):
        m = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(2,))])
        m.compile(loss="sparse_categorical_crossentropy")
        m.fit(np.ones((2, 2)), np.array([0, 3]), verbose=0)


def test_set_random_seed_makes_runs_repeat():
    x = np.random.default_rng(3).normal(size=(40, 4))
    y = (x[:, 0] > 0).astype(int)
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        model = sigmoid_mlp()
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        runs.append(model.fit(x, y, epochs=3, batch_size=8, verbose=0).history)
    assert runs[0] == runs[1]


def test_progress_line_redraws_on_a_terminal_and_prints_once_elsewhere(monkeypatch):
    x, y = np.ones((64, 4)), np.ones(64)
    model = sigmoid_mlp()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    for tty in (False, True):
        out = io.StringIO()
        out.isatty = lambda tty=tty: tty
        monkeypatch.setattr(sys, "stdout", out)
        model.fit(x, y, epochs=2, batch_size=8, verbose=1)
        text = out.getvalue()
        assert text.startswith("Epoch 1/2\n") and "Epoch 2/2\n" in text  # Keras prints no "Epoch 1/1" for one epoch
        last = text.rstrip("\n").replace("\r", "\n").split("\n")[-1]
        assert re.fullmatch(r"8/8 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}(\x1b\[K)?", last), last
        assert ("\r" in text) == tty


def test_subclassed_model_trains():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(6, activation="tanh")
            self.out = layers.Dense(1)

        def call(self, x, training=False):
            return self.out(self.hidden(x, training=training), training=training)

    keras.utils.set_random_seed(0)
    model = TwoLayers()
    x = np.random.default_rng(4).normal(size=(64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert [w.shape for w in model.get_weights()] == [(3, 6), (6,), (6, 1), (1,)]
    with pytest.raises(NotSupported, match="saving the subclassed model TwoLayers"):
        model.save("never.keras")


def test_history_is_seegrads_history_too(tmp_path):
    pytest.importorskip("matplotlib")  # History.plot
    model = sigmoid_mlp()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(np.ones((20, 4)), np.ones(20), epochs=3, validation_split=0.2, verbose=0)
    assert history.epoch == [0, 1, 2] and model.history is history
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.best("val_loss")[0] in (0, 1, 2)
    history.plot(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 0


def test_data_keras_takes_and_data_it_does_not():
    model = sigmoid_mlp(2)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    lists = model.fit([[0.0, 1.0], [1.0, 0.0]] * 4, [1, 0] * 4, verbose=0)  # nested lists are arrays
    tensors = model.fit(ag.ones(8, 2), ag.ones(8), verbose=0)
    assert len(lists.epoch) == len(tensors.epoch) == 1
    with pytest.raises(NotSupported, match="several inputs or outputs"):
        model.fit([np.ones((8, 2)), np.ones((8, 2))], np.ones(8), verbose=0)
    with pytest.raises(NotSupported, match="x as a generator"):
        model.fit((row for row in np.ones((8, 2))), np.ones(8), verbose=0)
    with pytest.raises(TypeError, match="x must be numbers"):
        model.predict(np.array(["a", "b"]), verbose=0)


def test_clone_model_and_functional_summary():
    inputs = keras.Input((6,))
    outputs = layers.Dense(2, activation="softmax")(layers.Dense(4, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    twin = keras.clone_model(model)
    assert [w.shape for w in twin.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(twin.get_weights()[0], model.get_weights()[0])  # fresh weights
    x = np.random.default_rng(5).normal(size=(3, 6))
    twin.set_weights(model.get_weights())
    np.testing.assert_array_equal(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    text = []
    model.summary(print_fn=text.append)
    assert "(None, 4)" in text[0] and "Total params: 38 " in text[0]
    with pytest.raises(NotSupported, match=r"summary\(show_trainable=...\)"):  # a different table in Keras
        model.summary(show_trainable=True)


def test_learning_rate_schedule_saves_and_refuses_a_set_learning_rate(tmp_path):
    from seegrad.keras.optimizers.schedules import ExponentialDecay  # Keras' import path works too
    x = np.random.default_rng(4).normal(size=(24, 4))
    y = (x[:, 0] > 0).astype(int)
    model = sigmoid_mlp()
    model.compile(optimizer=keras.optimizers.SGD(ExponentialDecay(0.2, 2, 0.5)), loss="binary_crossentropy")
    assert model.optimizer.learning_rate == pytest.approx(0.2)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)  # 3 updates
    assert model.optimizer.learning_rate == np.float32(0.2) * np.float32(0.5) ** np.float32(1.5)
    with pytest.raises(TypeError, match="learning rate is not settable"):
        model.optimizer.learning_rate = 0.1
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(again.optimizer._schedule, ExponentialDecay)
    h1 = model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    h2 = again.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert h1.history == h2.history  # the schedule continues from the saved step count
    with pytest.raises(NotSupported, match="keras.optimizers.schedules.CosineDecayRestarts"):
        keras.optimizers.schedules.CosineDecayRestarts(0.1, 10)


def test_regularizers_show_in_losses_and_survive_save(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), kernel_initializer="ones",
                                           kernel_regularizer=keras.regularizers.L1L2(l1=0.5, l2=0.25),
                                           activity_regularizer="l2")])
    assert [float(p.item()) for p in model.losses] == [0.5 * 6 + 0.25 * 6]  # no call yet: no activity penalty
    model(np.ones((4, 3)))  # outputs 3: the activity penalty 0.01 * 8 * 9 / 4 (the batch)
    np.testing.assert_allclose(sorted(float(p.item()) for p in model.losses), [0.18, 4.5], rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert again.layers[0].kernel_regularizer.get_config() == {"l1": 0.5, "l2": 0.25}
    assert again.layers[0].activity_regularizer.get_config() == {"l2": 0.01}
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(again.evaluate(x, y, verbose=0)) == pytest.approx(9 + 4.68)
    model.layers[0].trainable = False  # a frozen layer's weights add no penalty (as Keras)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(9 + 0.18)


def test_metric_classes_and_keras_class_names_are_taken():
    """Keras makes an instance of a metric class (metrics=[BinaryAccuracy]) and takes class names
    ("AUC", "BinaryAccuracy"); the class was wrapped as a function of (y_true, y_pred) before."""
    x = np.random.default_rng(5).normal(size=(16, 4))
    y = (x[:, 0] > 0).astype(int)
    model = sigmoid_mlp()
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=[keras.metrics.BinaryAccuracy, "AUC", "BinaryAccuracy", "MSE"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs) == ["AUC", "BinaryAccuracy", "MSE", "binary_accuracy", "loss"]
    assert logs["binary_accuracy"] == logs["BinaryAccuracy"] == np.mean((model.predict(x, verbose=0)[:, 0] > 0.5) == y)


def test_keras_names_not_provided_say_so():
    for missing, name in ((lambda: keras.metrics.F1Score(), "keras.metrics.F1Score"),
                          (lambda: keras.losses.Tversky(), "keras.losses.Tversky"),
                          (lambda: keras.optimizers.Ftrl(), "keras.optimizers.Ftrl"),
                          (lambda: keras.callbacks.CSVLogger("log.csv"), "keras.callbacks.CSVLogger"),
                          (lambda: keras.constraints.NonNeg(), "keras.constraints"),
                          (lambda: keras.datasets.mnist.load_data(), "keras.datasets")):
        with pytest.raises(NotSupported, match=re.escape(name)):
            missing()
    from seegrad.keras import progbar, summary  # noqa: F401  (submodules still import by name)
    assert not hasattr(keras, "no_such_thing")
    assert keras.losses.get("BCE").fn is keras.losses.get("BinaryCrossentropy").fn is keras.losses.binary_crossentropy


def test_keras_backend_helpers():
    from seegrad.keras import backend as K
    layers.Dense(2)
    K.clear_session()
    assert layers.Dense(2).name == "dense"
    assert (K.epsilon(), K.floatx(), K.image_data_format()) == (1e-7, "float32", "channels_last")
    with pytest.raises(NotSupported, match="keras.backend.set_floatx"):
        K.set_floatx("float64")


def test_metric_objects_survive_save_and_checkpoints(tmp_path):
    """Keras saves a model compiled with metric objects (Precision(), AUC(...)); save() refused them."""
    x = np.random.default_rng(6).normal(size=(32, 4))
    y = (x[:, 0] > 0).astype(int)
    model = sigmoid_mlp()
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[keras.metrics.Precision(name="p"), keras.metrics.AUC(num_thresholds=50, name="auc"),
                           keras.metrics.BinaryAccuracy(threshold=0.3), keras.metrics.Recall, "accuracy"])
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_auc", save_best_only=True)])
    model.save(tmp_path / "m.keras")
    for path in ("m.keras", "best.keras"):
        again = keras.models.load_model(tmp_path / path)
        assert [type(m).__name__ for m in again._metric_ids[:4]] == ["Precision", "AUC", "BinaryAccuracy", "Recall"]
    again = keras.models.load_model(tmp_path / "m.keras")
    assert again.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_learning_rate_answers_keras_variable_methods():
    """Keras' optimizer.learning_rate is a variable: numpy() and assign() work on it (they raised here)."""
    model = sigmoid_mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    assert model.optimizer.learning_rate == 0.01 and model.optimizer.learning_rate.numpy() == np.float32(0.01)
    model.optimizer.learning_rate.assign(0.5)
    model.fit(np.ones((4, 4)), np.ones(4), verbose=0)
    assert model.optimizer.param_groups[0]["lr"] == 0.5 and float(model.optimizer.learning_rate) == 0.5


def test_a_custom_train_step_is_run_not_skipped():
    """Keras' fit runs a model's own train_step (evaluate its test_step, predict its predict_step);
    a loop that skipped them would train something else without a word."""
    class Reached(Exception):
        pass

    class WithSteps(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x, training=False):
            return self.dense(x)

        def train_step(self, data):
            raise Reached("train_step", data)

        def test_step(self, data):
            raise Reached("test_step", data)

        def predict_step(self, data):
            raise Reached("predict_step", data)

    model = WithSteps()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 2)), np.ones(4)
    for run, step in ((lambda: model.fit(x, y, verbose=0), "train_step"), (lambda: model.evaluate(x, y, verbose=0),
                      "test_step"), (lambda: model.predict(x, verbose=0), "predict_step")):
        with pytest.raises(Reached) as reached:
            run()
        assert reached.value.args[0] == step
        data = reached.value.args[1]
        assert isinstance(data, tuple) and len(data) == (1 if step == "predict_step" else 2)
        assert all(isinstance(part, ag.Tensor) for part in data)
