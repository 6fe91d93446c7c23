"""A model's own train_step, test_step, predict_step and metrics, as Keras 3's torch backend runs them: each
program below (written for this test in the style of Keras' "customizing what happens in fit()" idiom) runs
under Keras 3 and under seegrad.keras from the same initial weights (tests/dlwp_helpers.py), and every
fit's History, evaluate and predict agree, and so do the final weights and what the program keeps.

What the idiom relies on, each exercised here: fit hands the step (x, y) or (x, y, sample_weight) as
Tensors and logs what it returns (nested dicts flattened, values made floats); ``model.metrics`` is the
loss tracker and the compiled metrics (one "compile_metrics" object) or the model's override; fit resets
them each epoch, and the epoch's logs are the metrics' results when their names match the step's logs;
``compute_loss`` / ``compute_metrics``; ``super().train_step(data)``; evaluate returns its list in the
order of ``model.metrics``; validation runs Keras' default test_step around the model's metrics."""
import numpy as np
import pytest

from dlwp_helpers import run_both
from seegrad import keras as S

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # Keras 3 on numpy 2

DATA = '''
import numpy as np
rng = np.random.default_rng(1)
x = rng.standard_normal((160, 8)).astype("float32")
y_reg = (x[:, :1] * 2 - x[:, 1:2] + 0.1 * rng.standard_normal((160, 1))).astype("float32")
y_cls = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5).astype("int64")
weights = rng.uniform(0.5, 2.0, 160).astype("float32")
'''

COMPILED = DATA + '''
import torch
import keras
from keras import layers

class Regressor(keras.Model):
    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

inputs = keras.Input(shape=(8,))
hidden = layers.Dense(16, activation="relu")(inputs)
outputs = layers.Dense(1)(hidden)
model = Regressor(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
history = model.fit(x, y_reg, batch_size=32, epochs=3, validation_split=0.25)
scores = model.evaluate(x, y_reg)
names = [m.name for m in model.metrics]
preds = model.predict(x[:5])
'''

OWN_METRICS = DATA + '''
import torch
import keras
from keras import layers

class Classifier(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.body = layers.Dense(32, activation="relu")
        self.head = layers.Dense(3, activation="softmax")
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="acc")

    def call(self, inputs, training=False):
        return self.head(self.body(inputs))

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy]

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        self.zero_grad()
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "acc": self.accuracy.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        self.accuracy.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

model = Classifier()
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9))
history = model.fit(x[:120], y_cls[:120], batch_size=50, epochs=3, validation_data=(x[120:], y_cls[120:]))
scores = model.evaluate(x[120:], y_cls[120:])
as_dict = model.evaluate(x[120:], y_cls[120:], return_dict=True)
'''

SUPER_STEP = DATA + '''
import keras
from keras import layers

class Counting(keras.Sequential):
    def train_step(self, data):
        self.steps_seen = getattr(self, "steps_seen", 0) + 1
        return super().train_step(data)

    def predict_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return keras.ops.argmax(self(x, training=False), axis=-1)

model = Counting([keras.Input(shape=(8,)), layers.Dense(12, activation="tanh"), layers.Dense(3, activation="softmax")])
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x, y_cls, batch_size=40, epochs=2, sample_weight=weights)
steps = model.steps_seen
on_batch = model.train_on_batch(x[:20], y_cls[:20], return_dict=True)
tested = model.test_on_batch(x[20:60], y_cls[20:60])
labels = model.predict(x[:10])
'''


@pytest.mark.parametrize("program", ["COMPILED", "OWN_METRICS", "SUPER_STEP"])
def test_a_custom_step_program_runs_as_under_keras(program):
    source = globals()[program]
    k, s = run_both(source)
    for name in ("names", "steps", "on_batch", "tested", "labels", "as_dict"):
        if hasattr(k, name):
            kept, ours = getattr(k, name), getattr(s, name)
            if isinstance(kept, dict):
                assert sorted(ours) == sorted(kept), name
                for key in kept:
                    np.testing.assert_allclose(ours[key], kept[key], rtol=1e-5, atol=1e-6, err_msg=f"{name}[{key}]")
            elif isinstance(kept, (list, np.ndarray, float)) and not isinstance(kept[0] if isinstance(kept, list) else 0,
                                                                                  str):
                np.testing.assert_allclose(np.asarray(ours, dtype=np.float64), np.asarray(kept, dtype=np.float64),
                                           rtol=1e-5, atol=1e-6, err_msg=name)
            else:
                assert ours == kept, name


def test_a_custom_compute_loss_is_refused_by_name():
    """The standard step would skip an overridden compute_loss; it is refused, not ignored."""

    class Penalised(S.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return super().compute_loss(x, y, y_pred, sample_weight) * 2

    model = Penalised([S.Input(shape=(2,)), S.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(S.NotSupported, match="custom compute_loss"):
        model.fit(np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0)


def test_fit_without_a_compiled_loss_needs_a_step_of_the_models_own():
    model = S.Sequential([S.Input(shape=(2,)), S.layers.Dense(1)])
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="compiled without a loss"):
        model.fit(np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32), verbose=0)
