"""seegrad.keras: Keras 3's Sequential API on this project's nn modules, with Keras' numbers.

A Keras program runs with its import line changed:

    from keras.models import Sequential        ->  from seegrad.keras.models import Sequential
    from keras.layers import Dense             ->  from seegrad.keras.layers import Dense
    import keras  /  import tensorflow as tf   ->  from seegrad import keras   (keras.Sequential, keras.layers...)

    model = Sequential()
    model.add(Dense(units=10, activation="relu", input_dim=784))
    model.add(Dense(units=10, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2)
    model.evaluate(x_test, y_test); model.predict(x_test); model.summary()

Keras' layouts (channels-last, kernels (in, out)), initialisers (glorot_uniform, zeros,
orthogonal), optimizers and their defaults (Adam 1e-3 with epsilon 1e-7, SGD 1e-2, RMSprop rho 0.9),
losses (clipped at 1e-7), metrics ("accuracy" picked from the shapes) and training loop; given
the same initial weights, the losses and weights equal Keras 3's to float32 rounding
(tests/test_keras_oracle.py runs Keras itself to check). The models are nn.Modules: seegrad.fit,
export_onnx, seegrad-serve and draw_graph take them. Custom layers, losses and metrics are written with
``keras.ops`` (Keras 3's ops on this project's tensors, differentiable) and a Metric's ``add_weight``
variables. What is not covered raises NotSupported naming the Keras feature; docs/keras.md lists
the differences.
"""
from . import (activations, backend, callbacks, initializers, layers, losses, metrics, models, ops, optimizers,
               regularizers, utils)
from .layers import Input, Layer
from .models import Model, Sequential, clone_model, load_model
from .utils import NotSupported, not_supported
from .variables import Variable

__all__ = ["activations", "backend", "callbacks", "initializers", "layers", "losses", "metrics", "models",
           "ops", "optimizers", "regularizers", "utils",
           "Input", "Layer", "Model", "Sequential", "Variable", "clone_model", "load_model", "NotSupported"]


KERAS_MODULES_NOT_PROVIDED = {"applications", "config", "constraints", "datasets", "distribution",
                              "dtype_policies", "export", "mixed_precision", "preprocessing", "quantizers",
                              "random", "tree", "visualization", "wrappers"}


def __getattr__(name):  # keras.<module> this front end does not have: say so by its name
    if name in KERAS_MODULES_NOT_PROVIDED:
        not_supported(f"keras.{name}", f"available: {', '.join(__all__[:12])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
