"""Sequential and Model: Keras models as ``nn.Module``s, with Keras' training API (trainer.py).

    model = Sequential([Dense(64, activation="relu", input_shape=(100,)), Dense(1, activation="sigmoid")])
    model = Sequential(); model.add(Dense(10, activation="relu", input_dim=784)); ...
    inputs = Input((28, 28, 1)); outputs = Dense(10)(Flatten()(inputs)); model = Model(inputs, outputs)
    class MyModel(Model): __init__ makes layers, call(x, training) uses them   (subclassing)

A model is a Layer: it nests in another Sequential (a GAN's generator + discriminator), its
layers are its child modules ("0", "1", ... so a state dict reads ``0.kernel``, ``1.bias``), and
everything that takes an ``nn.Module`` takes it: ``seegrad.fit``, ``export_onnx``, ``draw_graph``.
"""
import numpy as np

import autograd as ag

from . import functional
from .layers.base import InputLayer, KerasTensor, Layer, as_tensor, shape_text, takes_training
from .saving import load_model, save_model, save_weights, load_weights
from .trainer import Trainer
from .utils import not_supported, unique_name

__all__ = ["Model", "Sequential", "load_model", "clone_model"]


class Model(Layer, Trainer):
    """``Model(inputs, outputs)`` (the functional API: one Input or a list of them, one output; merge
    layers join the branches), or a subclass that makes its layers in ``__init__`` and writes
    ``call(x, training=False)``."""

    _clears_losses = True
    _refuses_mask = True  # a model called on a masked tensor: its Inputs take no mask here (Keras' do)
    _output_mask = None  # the mask of the latest call's output (Embedding(mask_zero=True) upstream), or None

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if inputs is not None and name is None:
            name = unique_name("Functional")  # Keras names a functional model "functional", "functional_1"...
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._steps = None  # the functional graph: [(layer, its input KerasTensors, its output KerasTensor)]
        if inputs is None and outputs is None:
            if type(self) is Model:
                raise ValueError("Model(inputs, outputs): pass the Input and the output of the layers called on it, "
                                 "or subclass Model and write call()")
            return
        self._trace(inputs, outputs)

    def _trace(self, inputs, outputs):
        """Record the functional graph from ``inputs`` (one Input or a list) to ``outputs`` (one
        KerasTensor, or a list of them for a model of several outputs): the layer calls in an order
        where each runs after the calls that make its inputs."""
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            not_supported("functional models built on dicts of inputs or outputs", "pass lists: Model([a, b], [y1, y2])")
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        several = isinstance(outputs, (list, tuple))
        output_list = list(outputs) if several else [outputs]
        if not inputs or not output_list or not all(isinstance(t, KerasTensor) for t in [*inputs, *output_list]):
            raise TypeError("Model(inputs, outputs) takes the KerasTensors of the functional API: inputs = Input(shape), "
                            "outputs = layer(...)(inputs)")
        self._steps, first_seen = functional.trace(inputs, output_list)
        self._input_tensors, self._output_tensors = inputs, output_list
        self._output_tensor = None if several else outputs
        self._input_tensor = inputs[0]
        self._takes_list = len(inputs) > 1
        input_layers = tuple(t.origin or InputLayer(batch_shape=t.shape, name=t.name) for t in inputs)
        # every layer in Keras' order (model.layers, get_weights); held in a tuple so that the InputLayers
        # are no child modules (state dicts and export see none)
        self._layer_order = tuple(functional.keras_order(inputs, input_layers, self._steps, first_seen))
        self._input_layers = input_layers
        inputs_ids = {id(layer) for layer in input_layers}
        for i, layer in enumerate(layer for layer in self._layer_order if id(layer) not in inputs_ids):
            self.add_module(str(i), layer)
        self._build([t.shape for t in inputs] if self._takes_list else inputs[0].shape)

    @property
    def input_names(self):
        """A functional model's input names (its Inputs' names): the keys of x given as a dict."""
        return [layer.name for layer in self._input_layers] if self._steps is not None else None

    @property
    def output_names(self):
        """A functional model's output names (the names of the layers making them): the keys of y, and of
        the losses and metrics given as dicts; None for a subclassed model."""
        return [t.layer.name if t.layer is not None else t.name for t in self._output_tensors] \
            if self._steps is not None else None

    def _several_outputs(self):
        """Whether the model has several outputs (functional), or was compiled as if (subclassed: a list
        or dict of losses)."""
        if self._steps is not None:
            return self._output_tensor is None
        return isinstance(getattr(self, "loss", None), (list, tuple, dict))

    @property
    def layers(self):
        """The layers, in order; a functional model's in Keras' order, beginning with its InputLayers."""
        if self._steps is not None:
            return list(self._layer_order)
        return self._own_layers()

    def _own_layers(self):
        return [m for m in self.children() if isinstance(m, Layer)]

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    @property
    def _takes_ids(self):
        return bool(self._own_layers()) and self._own_layers()[0]._takes_ids

    def compute_output_shape(self, input_shape):
        if self._steps is not None:
            return self._output_tensor.shape if self._output_tensor is not None else \
                [t.shape for t in self._output_tensors]
        return Layer.compute_output_shape(self, input_shape)

    def _build(self, input_shape):
        if self._steps is None and not self.built:  # subclassed: run call once on zeros to build its layers
            self.built, self.input_shape = True, (None, *tuple(input_shape)[1:])
            with ag.no_grad():
                out = self.call(ag.zeros(1, *input_shape[1:], dtype=np.int64 if self._takes_ids else np.float32))
            self.output_shape = (None, *out.shape[1:])
            return self.output_shape
        return super()._build(input_shape)

    def call(self, x, training=False):
        if self._steps is None:
            raise NotImplementedError(f"{type(self).__name__}: a subclassed Model must define call(x, training=False)")
        values = dict(zip(map(id, self._input_tensors), x if self._takes_list else [x]))
        masks = {}  # each tensor's mask (Keras' _keras_mask), where a layer made one

        def value(t):  # an output of a call of several (return_state) is its place in the call's list
            return values[id(t)] if t.node is None else values[id(t.head)][t.index]

        def mask_of(t):  # (the mask goes with a call's first output only: an RNN's states have none)
            return masks.get(id(t)) if t.index == 0 else None
        for layer, srcs, out in self._steps:
            positional = srcs[:out.n_args]
            args = [value(t) for t in positional]
            arg, mask = (args, [mask_of(t) for t in positional]) if layer._takes_list else (args[0], mask_of(srcs[0]))
            given = dict(zip(map(id, srcs[out.n_args:]), map(value, srcs[out.n_args:])))
            kwargs = {k: [given[id(t)] for t in v] if isinstance(v, (list, tuple)) else given[id(v)]
                      for k, v in out.call_kwargs.items()}
            values[id(out)] = layer(arg, training=training, mask=mask, **kwargs)
            masks[id(out)] = layer.compute_mask(arg, mask)
        outputs = self._output_tensors if self._output_tensor is None else [self._output_tensor]
        self._output_mask = next((mask_of(t) for t in outputs if mask_of(t) is not None), None)
        if self._output_tensor is None:  # several outputs: a list, as Keras' functional models return
            return [value(t) for t in self._output_tensors]
        return value(self._output_tensor)

    def compute_mask(self, inputs, mask=None):
        return self._output_mask

    def forward(self, inputs, training=None, mask=None):
        """Layer.forward, and a dict of inputs: a functional model's, keyed by its Inputs' names, are put
        in their order; a subclassed model's ``call`` gets the dict (of Tensors) as it is."""
        if not isinstance(inputs, dict):
            return super().forward(inputs, training, mask)
        if self._steps is not None:
            return super().forward(by_name(inputs, self.input_names, "x", self.name), training, mask)
        x = {key: as_tensor(value) for key, value in inputs.items()}  # integer ids stay: each layer converts
        self.built = True  # Keras builds a subclassed model by its first call
        self._clear_losses()
        training = self.training if training is None else bool(training)
        return self.call(x, training=training) if takes_training(type(self)) else self.call(x)

    # ------------------------------------------------------------ saving

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """The architecture, weights, compile settings and optimizer state in one file, in this
        project's safe format (``nn.save``; no pickle), whatever the extension; ``load_model`` reads it."""
        save_model(self, filepath, overwrite, include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Only the weights (``get_weights()``), for ``load_weights`` into the same architecture."""
        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath):
        load_weights(self, filepath)

    def get_config(self):
        if self._steps is None:
            not_supported(f"saving the subclassed model {type(self).__name__} with save()",
                          "use save_weights / load_weights and build the model in code")
        if self._output_tensor is None:
            not_supported("saving a functional model of several outputs",
                          "use save_weights / load_weights and build the model in code")
        chain = [self._input_tensor] + [out for _, _, out in self._steps]
        if self._takes_list or any(srcs != (prev,) or out.node is not None
                                   for (_, srcs, out), prev in zip(self._steps, chain)):
            not_supported("saving a functional model whose layers do not form one chain (several inputs, merges, "
                          "a layer of several outputs such as an RNN with return_state)",
                          "use save_weights / load_weights and build the model in code")
        layers = self._own_layers()
        order = [next(i for i, u in enumerate(layers) if u is layer) for layer, _, _ in self._steps]
        return {**super().get_config(), "input_shape": list(self._input_tensor.shape),
                "input_dtype": self._input_tensor.dtype, "layers": [_layer_config(layer) for layer in layers],
                "order": order}

    # ------------------------------------------------------------ summary

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """The layers, their output shapes and parameter counts, and the totals, as Keras prints them
        (``line_length`` and ``positions`` as Keras' too; its other options are refused, not ignored)."""
        from .summary import summary
        for key, value in (("expand_nested", expand_nested), ("show_trainable", show_trainable),
                           ("layer_range", layer_range)):
            if value not in (None, False):
                not_supported(f"summary({key}=...)", "summary() prints Keras' table (line_length and positions "
                              "are taken)")
        (print_fn or print)(summary(self, line_length, positions))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def by_name(data, names, what, model_name):
    """The values of the dict ``data`` as a list in the order of ``names`` (a model's inputs or outputs),
    or an error naming the keys that are missing or unknown."""
    if names is None or sorted(data) != sorted(names):
        missing = [n for n in names or [] if n not in data]
        unknown = [k for k in data if k not in (names or [])]
        raise ValueError(f"{model_name}: {what} is a dict with keys {sorted(data)}, but the model's names are {names}"
                         f"{f'; missing: {missing}' if missing else ''}{f'; unknown: {unknown}' if unknown else ''}. "
                         "Key the dict by the names of the model's Inputs (x) or output layers (y), or pass a list")
    return [data[n] for n in names]


def _layer_config(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


class Sequential(Model):
    """A stack of layers, each taking the previous one's output. The input shape comes from the
    first layer's ``input_shape``/``input_dim``, an ``Input(shape)`` first, or the first batch."""

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._layers_list, self._input_shape = [], self._declared_shape
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._layers_list)

    def add(self, layer, rebuild=True):
        """Append ``layer``; an ``Input(shape)`` (or InputLayer) first sets the input shape."""
        if isinstance(layer, InputLayer):
            layer = layer.output
        if isinstance(layer, KerasTensor):
            if self._layers_list or self._input_shape is not None:
                raise ValueError("Sequential: an Input can only be the first element of the model")
            if layer.layer is not None:
                not_supported("adding a functional-API tensor to a Sequential", "add layers, or Input(shape) first")
            self._input_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential model. Received: {layer!r} "
                             f"(of type {type(layer)})" + (" (an nn.Module: use nn.Sequential, or wrap the layers"
                                                           " you need as Keras layers)" if hasattr(layer, "forward") else ""))
        if getattr(layer, "return_state", False):
            not_supported(f"{type(layer).__name__}(return_state=True) in a Sequential",
                          "call the layer on a tensor to get [output, *states]")
        if any(layer is known for known in self._layers_list):
            raise ValueError(f"Sequential: layer {layer.name!r} is already in the model")
        if not self._layers_list and self._input_shape is None and layer._declared_shape is not None:
            self._input_shape = layer._declared_shape
        elif not self._layers_list and self._input_shape is None and layer.built and isinstance(layer, Model):
            self._input_shape = layer.input_shape  # a built model added first: its input shape is known
        self.add_module(str(len(self._layers_list)), layer)
        self._layers_list.append(layer)
        if self._input_shape is not None:
            shape = self._input_shape
            for known in self._layers_list:
                shape = known._build(shape) if not known.built else self._check_known(known, shape)
            self.built, self.input_shape, self.output_shape = True, (None, *self._input_shape[1:]), shape

    @staticmethod
    def _check_known(layer, shape):
        layer._check_input(shape)
        return tuple(layer.compute_output_shape(shape))

    def pop(self):
        """Remove the last layer."""
        if not self._layers_list:
            raise TypeError("There are no layers in the model.")
        layer = self._layers_list.pop()
        del self._modules[str(len(self._layers_list))]
        if self.built and self._layers_list:
            self.output_shape = self._layers_list[-1].output_shape
        return layer

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (with the batch dim, e.g. (None, 784))."""
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError("Sequential.build: the input shape is not known; pass build((None, features))")
        if not self._layers_list:
            raise ValueError(f"Sequential model {self.name!r} has no layers; add some before building it")
        self._input_shape = (None, *tuple(input_shape)[1:])
        shape = self._input_shape
        for layer in self._layers_list:
            shape = layer._build(shape) if not layer.built else self._check_known(layer, shape)
        self.built, self.input_shape, self.output_shape = True, self._input_shape, shape

    def _build(self, input_shape):
        if not self.built:
            self.build(input_shape)
        return self.output_shape if tuple(input_shape)[1:] == tuple(self.input_shape)[1:] else \
            self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers_list:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def _check_input(self, shape):
        if self._layers_list:
            self._layers_list[0]._check_input(shape)

    def call(self, x, training=False):
        if not self._layers_list:
            raise ValueError(f"Sequential model {self.name!r} has no layers")
        mask = None  # Keras' _keras_mask, handed from layer to layer
        for layer in self._layers_list:
            x, mask = layer(x, training=training, mask=mask), layer.compute_mask(x, mask)
        self._output_mask = mask
        return x

    def get_config(self):
        config = Layer.get_config(self)
        if self._input_shape is not None:
            config["batch_input_shape"] = list(self._input_shape)
        return {**config, "layers": [_layer_config(layer) for layer in self._layers_list]}

    def __repr__(self):
        shape = f", input_shape={shape_text(self.input_shape)}" if self.input_shape else ""
        return f"<Sequential name={self.name}, {len(self._layers_list)} layers{shape}>"


def clone_model(model):
    """A new model with the same architecture and fresh weights (``load_model`` of its config)."""
    from .saving import model_from_config
    return model_from_config({"class_name": type(model).__name__, "config": model.get_config()})
