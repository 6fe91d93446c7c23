"""Layer: a Keras layer as an ``nn.Module``, built lazily from the shape of its first input.

Keras' conventions, where they differ from PyTorch's:

- weights are created by ``build(input_shape)`` on the first call (or as soon as the input shape
  is known), so a layer needs only its output size: ``Dense(64)``, not ``Linear(100, 64)``;
- shapes are channels-last, with ``None`` for the batch: ``(None, 28, 28, 1)``;
- weights carry Keras' names and layouts (``kernel`` (in, out), ``bias``, ``gamma``...) and come
  in Keras' order from ``get_weights()``; a ``Parameter`` each (``moving_mean`` and friends are buffers);
- ``training`` is an argument of the call; a layer called outside ``fit`` runs in inference mode
  (Dropout off, BatchNormalization on its moving statistics);
- ``layer.trainable = False`` freezes its weights (``requires_grad`` off).

Calling a layer on a symbolic ``Input`` (a ``KerasTensor``) builds it and returns the symbolic
output: that is the functional API (``Model(inputs, outputs)``).
"""
import functools
import inspect

import numpy as np

import autograd as ag
import nn

from .. import initializers, regularizers
from ..utils import not_supported, unique_name
from ..variables import Weight

__all__ = ["Layer", "KerasTensor", "Input", "InputLayer", "as_tensor", "batchless", "shape_text"]


def batchless(shape):
    """``shape`` with None for the batch; a list of such for a list of shapes (a merge layer's)."""
    if isinstance(shape, list):
        return [batchless(s) for s in shape]
    return (None, *tuple(shape)[1:])


def shape_text(shape):
    """(None, 28, 28, 1) as Keras prints it."""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def as_tensor(x):
    """A Tensor from a Tensor, numpy array or nested list; float64 becomes float32 (Keras' floatx)."""
    if isinstance(x, ag.Tensor):
        return x
    a = np.asarray(x)
    if a.dtype == object:
        raise TypeError(f"a layer's input must be numbers (an array or a Tensor), got {type(x).__name__} "
                        "holding objects")
    if a.dtype.kind == "f" and a.dtype != np.float32:
        a = a.astype(np.float32)
    return ag.from_numpy(np.ascontiguousarray(a))


class KerasTensor:
    """A symbolic tensor of the functional API: its ``shape`` (None for the batch), ``dtype``, and
    the layer call that makes it (``layer``, ``inputs``); ``Input`` makes the first one, whose
    ``origin`` is its InputLayer."""

    def __init__(self, shape, dtype="float32", layer=None, inputs=(), name=None, origin=None):
        self.shape, self.dtype = tuple(shape), str(dtype)
        self.layer, self.inputs, self.name, self.origin = layer, tuple(inputs), name, origin
        # a call of several outputs (an RNN with return_state) makes one KerasTensor each: ``node`` holds
        # them all (the call's first output stands for the call in the graph), ``index`` is this one's place
        self.node, self.index = None, 0
        # a call given KerasTensors in keyword arguments (initial_state=[h, c]): ``inputs`` holds the
        # positional ones (``n_args`` of them) then those of the keywords; ``call_kwargs`` the keywords
        self.n_args, self.call_kwargs = len(self.inputs), {}
        self.call_index = 0  # which of its layer's functional-API calls made it (Keras' node index)

    @property
    def head(self):
        """The KerasTensor that stands for the call making this one (itself, or its call's first output)."""
        return self if self.node is None else self.node[0]

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={shape_text(self.shape)}, dtype={self.dtype}, name={self.name}>"


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, sparse=None, tensor=None,
          optional=False):
    """A symbolic input of ``shape`` (without the batch): the first element of a Sequential, or the
    start of a functional model. ``dtype`` "int32"/"int64" for token ids (Embedding)."""
    if sparse or tensor is not None or optional:
        not_supported("Input(sparse=..., tensor=..., optional=...)")
    return InputLayer(shape, batch_size, dtype, name, batch_shape).output


def _marks_built(build):
    def marked(self, input_shape=None, *args, **kwargs):
        out = build(self, input_shape, *args, **kwargs)
        if not self.built and input_shape is not None and not getattr(self, "_building", False):
            shape = batchless(list(input_shape) if isinstance(input_shape, list) else tuple(input_shape))
            self.built, self.input_shape = True, shape
            self.output_shape = tuple(self.compute_output_shape(shape))
        return out
    marked.__doc__, marked.__name__, marked.__wrapped__ = build.__doc__, build.__name__, build
    return marked


class Layer(nn.Module):
    """Base class: subclasses write ``build(input_shape)`` (create weights with ``add_weight``),
    ``call(x, training)`` and ``compute_output_shape(input_shape)``, and list their constructor
    arguments in ``get_config()``."""

    def __init_subclass__(cls, **kwargs):
        """A subclass's ``build`` marks the layer built when called directly (``layer.build((None, 4))``,
        then ``set_weights``), as Keras' does: the first call must not build it afresh over those weights."""
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    _takes_ids = False  # True for Embedding: integer inputs stay integers
    _takes_list = False  # True for merge layers (and functional models with several inputs): a list of inputs
    _clears_losses = False  # True for models: a call starts the activity penalties afresh (Keras' outermost call)
    # masks (Embedding(mask_zero=True)), as Keras 3: a layer whose call takes ``mask`` uses it; one that
    # supports masking hands it on (compute_mask); any other drops it. A layer whose Keras counterpart
    # would use a mask in a way this front end does not (merges, BatchNormalization...) refuses one.
    supports_masking = False
    _refuses_mask = False

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, activity_regularizer=None, **kwargs):
        super().__init__()
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if dtype not in (None, "float32", np.float32) and np.dtype(dtype) != np.float32:
            not_supported(f"{type(self).__name__}(dtype={dtype!r})", "layers compute in float32")
        self.training = False  # Keras: a layer called outside fit() runs in inference mode
        self.name = name or unique_name(type(self).__name__)
        self.built = False
        self._trainable = bool(trainable)
        self._weight_names = []  # Keras' order, for get_weights / set_weights
        self._regularizers = {}  # weight name -> its regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._activity_losses = []  # the activity penalties of the latest call
        self.input_shape = self.output_shape = None
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._declared_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            shape = input_shape if isinstance(input_shape, (tuple, list)) else (input_shape,)
            self._declared_shape = (batch_size, *shape)
        else:
            self._declared_shape = None

    # ------------------------------------------------------------ weights

    def add_weight(self, name, shape, initializer="glorot_uniform", trainable=True, regularizer=None):
        """Create a weight ``name`` of ``shape`` from ``initializer``: a Parameter when trainable
        (frozen while ``layer.trainable`` is False), else a buffer that fit does not train.
        ``regularizer`` (``regularizers.l2(0.01)``...) adds its penalty on the weight to ``losses``."""
        init = initializers.get(initializer)
        value = np.asarray(init(tuple(shape)), dtype=np.float32)
        if value.shape != tuple(shape):
            raise ValueError(f"{self.name}: the initializer of {name!r} returned shape {value.shape}, not {tuple(shape)}")
        if trainable:
            self.register_parameter(name, Weight(ag.from_numpy(value), requires_grad=self._trainable,
                                                 path=f"{self.name}/{name}"))
        else:
            self.register_buffer(name, ag.from_numpy(value))
        self._weight_names.append(name)
        if regularizer is not None:
            self._regularizers[name] = regularizers.get(regularizer)
        return getattr(self, name)

    def _own_weights(self):
        return [getattr(self, n) for n in self._weight_names]

    def _sublayers(self):
        return [m for m in self.children() if isinstance(m, Layer)]

    @property
    def weights(self):
        """Every weight (trainable first within each layer, in Keras' order)."""
        return self._own_weights() + [w for layer in self._sublayers() for w in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = [w for w in self._own_weights() if isinstance(w, nn.Parameter)]
        return own + [w for layer in self._sublayers() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for w in self._own_weights():
            if isinstance(w, nn.Parameter):
                w.requires_grad_(self._trainable)
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def losses(self):
        """The penalties (scalar tensors) fit and evaluate add to the loss, as Keras' ``layer.losses``:
        each regularized weight's while it is trainable, the activity penalties of the latest call,
        and the same for every sublayer."""
        out = list(self._activity_losses)
        if self.trainable:
            out += [reg(getattr(self, name)) for name, reg in self._regularizers.items()]
        return out + [loss for layer in self._sublayers() for loss in layer.losses]

    def _clear_losses(self):
        """Forget the activity penalties of earlier calls, here and in every sublayer (Keras clears them
        at each outermost call): a layer the next call skips adds none."""
        self._activity_losses = []
        for layer in self._sublayers():
            layer._clear_losses()

    def get_weights(self):
        """The weights as numpy arrays (copies), in Keras' order."""
        return [np.array(w.detach().numpy()) for w in self.weights]

    def set_weights(self, weights):
        """Copy ``weights`` (arrays in ``get_weights()``'s order and shapes) into the layer."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer {self.name!r} with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(own)} weights.")
        arrays = [np.asarray(w) for w in weights]
        for target, arr in zip(own, arrays):
            if arr.shape != tuple(target.shape):
                raise ValueError(f"Layer {self.name!r} weight shape {tuple(target.shape)} is not compatible "
                                 f"with provided weight shape {arr.shape}.")
        with ag.no_grad():  # all shapes checked first: nothing is half-copied
            for target, arr in zip(own, arrays):
                target.copy_(ag.from_numpy(np.array(arr, dtype=target.dtype, order="C")))  # (0-d stays 0-d)

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but the layer isn't "
                             "built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ------------------------------------------------------------ building

    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (batch dim None). Layers without weights
        need not override it."""

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape``: the input's for this front end's layers that keep it;
        a layer whose ``call`` the program wrote (without compute_output_shape) is traced, as Keras does."""
        if _written_by_program(type(self), "call"):
            return self._traced_output_shape(input_shape)
        return tuple(input_shape)

    def _traced_output_shape(self, input_shape):
        """Keras learns a custom layer's output shape by tracing its call; here the call runs once on zeros
        (no graph) with each None as 1, and again with 2 when a dim other than the batch is None: the
        output dims that differ, and the batch, are None."""
        def run(unknown):
            def zeros(shape):
                return ag.zeros(*[unknown if d is None else d for d in shape],
                                dtype=np.int64 if self._takes_ids else np.float32)
            x = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(input_shape)
            with ag.no_grad():
                out = self.call(x, **({"training": False} if takes_training(type(self)) else {}))
            return [tuple(o.shape) for o in out] if isinstance(out, (list, tuple)) else [tuple(out.shape)]

        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        first = run(1)
        if any(d is None for s in shapes for d in tuple(s)[1:]):
            second = run(2)
            out = [tuple(None if a != b else a for a, b in zip(f, s)) for f, s in zip(first, second)]
        else:
            out = [(None, *f[1:]) if tuple(shapes[0])[:1] == (None,) else f for f in first]
        return out[0] if len(out) == 1 else out  # (a call returning several tensors: one shape each)

    def _build(self, input_shape):
        """Build once for ``input_shape`` (a list of shapes for a layer of several inputs) and return
        the output shape."""
        input_shape = batchless(input_shape)
        if not self.built:
            self._building = True  # _build sets the shapes itself, once build is done
            try:
                self.build(input_shape)
            finally:
                self._building = False
            self.built = True
            self.input_shape = input_shape
            self.output_shape = tuple(self.compute_output_shape(input_shape))
            return self.output_shape
        return tuple(self.compute_output_shape(input_shape))

    def _check_input(self, shape):
        """A built layer takes inputs shaped like the one it was built for (batch aside)."""
        want = self.input_shape
        if self._takes_list:
            return self._check_inputs(shape)
        if want is not None and (len(shape) != len(want) or any(
                w is not None and w != s for w, s in zip(want[1:], shape[1:]))):
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected shape="
                             f"{shape_text(want)}, found shape={shape_text((None, *shape[1:]))}")

    def _check_inputs(self, shapes):
        """A layer of several inputs checks their shapes in compute_output_shape (merge layers)."""
        self.compute_output_shape(shapes)

    # ------------------------------------------------------------ calling

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, KerasTensor) or (isinstance(inputs, (list, tuple)) and inputs and
                                               all(isinstance(t, KerasTensor) for t in inputs)):
            return self._call_symbolic(inputs, **kwargs)
        return super().__call__(inputs, *args, **kwargs)

    def _call_symbolic(self, inputs, **kwargs):
        plain = sorted(k for k, v in kwargs.items() if not _keras_tensors(v))
        if plain:
            not_supported(f"keyword arguments {plain} in a functional-API call",
                          "keyword arguments that hold KerasTensors (initial_state=[h, c]) are taken")
        self._check_call_keywords(kwargs, ("training", "mask"))
        extra = tuple(t for k in kwargs for t in _keras_tensors(kwargs[k]))
        several = isinstance(inputs, (list, tuple))
        if several != self._takes_list:
            self._wrong_arity(inputs)
        shape = [t.shape for t in inputs] if several else inputs.shape
        if not self.built:
            out_shape = self._build(shape)
        else:
            self._check_input(shape)
            out_shape = self.compute_output_shape(shape)
        args = tuple(inputs) if several else (inputs,)
        more = self._more_output_shapes(shape)  # the states of an RNN with return_state
        outs = [KerasTensor(s, layer=self, inputs=args + extra, name=self.name) for s in [out_shape, *more]]
        self._symbolic_calls = getattr(self, "_symbolic_calls", 0) + 1  # Keras' node index: "lstm[1][0]"
        for i, t in enumerate(outs):
            t.n_args, t.call_kwargs, t.call_index = len(args), dict(kwargs), self._symbolic_calls - 1
            if more:
                t.node, t.index = tuple(outs), i
        out = outs if more else outs[0]
        if "input" not in self.__dict__:  # Keras' layer.input / layer.output: those of its first call
            self.input, self.output = inputs, out
        return out

    def _check_call_keywords(self, kwargs, refused=()):
        """Python's TypeError, naming the layer, for a keyword argument that ``call`` does not take (or one of
        ``refused``, which this way of calling passes itself)."""
        params = inspect.signature(type(self).call).parameters
        unknown = sorted(k for k in kwargs if k not in params or k in refused)
        if unknown:
            raise TypeError(f"{type(self).__name__}.call() got an unexpected keyword argument {unknown[0]!r} "
                            f"(layer {self.name!r})")

    def _more_output_shapes(self, input_shape):
        """The shapes of the outputs a call makes after its first (an RNN's states with return_state)."""
        return []

    def _wrong_arity(self, inputs):
        if self._takes_list:
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: inputs={inputs!r} "
                             "(not a list of tensors)")
        raise ValueError(f"Layer {self.name!r} expects 1 input, but it received {len(inputs)} input tensors; "
                         "merge them first (Concatenate, Add...)")

    def _prepare(self, inputs, keep_ids=False):
        """A float32 Tensor from ``inputs`` (integer ids stay integers for Embedding, and in the inputs
        of a model of several inputs: its layers convert what they take)."""
        x = as_tensor(inputs)
        if (x.dtype.kind != "f" and not (self._takes_ids or keep_ids)) or (x.dtype.kind == "f" and x.dtype != np.float32):
            x = x.float()  # Keras computes in float32 (its floatx)
        return x

    def compute_mask(self, inputs, mask=None):
        """The mask of the output (Keras' default: the input's when the layer supports masking, else none)."""
        return mask if self.supports_masking else None

    def forward(self, inputs, training=None, mask=None, **call_kwargs):
        """Run ``call`` on ``inputs``; ``call_kwargs`` (initial_state=[h, c]) go to a call that takes them,
        their arrays as Tensors."""
        if call_kwargs:
            self._check_call_keywords(call_kwargs)
            call_kwargs = {k: v if v is None else [as_tensor(t) for t in v] if isinstance(v, (list, tuple))
                           else as_tensor(v) for k, v in call_kwargs.items()}
        if isinstance(mask, (list, tuple)) and all(m is None for m in mask):
            mask = None
        if mask is not None and self._refuses_mask:
            not_supported(f"a mask (from Embedding(mask_zero=True)) reaching {type(self).__name__} {self.name!r}",
                          "Keras would use it there; masks go through Dense, Dropout, activations, "
                          "LayerNormalization and TimeDistributed to the recurrent layers, Bidirectional and "
                          "GlobalAveragePooling1D")
        if self._takes_list:
            if not isinstance(inputs, (list, tuple)):
                self._wrong_arity(inputs)
            x = [self._prepare(i, keep_ids=hasattr(self, "_steps")) for i in inputs]
            shape = [i.shape for i in x]
        else:
            if isinstance(inputs, (list, tuple)) and inputs and isinstance(inputs[0], ag.Tensor):
                self._wrong_arity(inputs)
            x = self._prepare(inputs)
            shape = x.shape
        if not self.built:
            self._build(shape)
        else:
            self._check_input(shape)
        if self._clears_losses:
            self._clear_losses()
        training = self.training if training is None else bool(training)
        kwargs = {"training": training} if takes_training(type(self)) else {}
        if mask is not None and takes_mask(type(self)):
            kwargs["mask"] = mask if isinstance(mask, (list, tuple)) else as_tensor(mask)
        out = self.call(x, **kwargs, **call_kwargs)
        if self.activity_regularizer is not None:  # Keras: the penalty of each output over the batch size
            outputs = out if isinstance(out, (list, tuple)) else [out]
            self._activity_losses += [self.activity_regularizer(o) / o.shape[0] for o in outputs]  # one per call
        return out

    def call(self, x, training=False):
        return x

    # ------------------------------------------------------------ config and printing

    def get_config(self):
        """The constructor arguments (JSON values) that rebuild this layer: ``cls(**config)``."""
        config = {"name": self.name, "trainable": self.trainable}
        if self._declared_shape is not None:
            config["batch_input_shape"] = list(self._declared_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        return f"name={self.name!r}" + ("" if self.built else ", not built")


def _keras_tensors(value):
    """The KerasTensors of a keyword argument of a functional-API call (one, or a list of them), else []."""
    if isinstance(value, KerasTensor):
        return [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, KerasTensor) for v in value):
        return list(value)
    return []


@functools.lru_cache(maxsize=None)
def _written_by_program(cls, method):
    """Whether ``cls``'s ``method`` comes from a class outside this front end (a layer the program defines)."""
    owner = next(c for c in cls.__mro__ if method in c.__dict__)
    return not owner.__module__.startswith("seegrad.keras.")


@functools.lru_cache(maxsize=None)
def takes_training(cls):
    """Whether ``cls.call`` accepts ``training`` (Keras passes it only then: a subclass may write
    ``def call(self, inputs)``)."""
    params = inspect.signature(cls.call).parameters
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@functools.lru_cache(maxsize=None)
def takes_mask(cls):
    """Whether ``cls.call`` takes ``mask`` (Keras passes a mask only then)."""
    return "mask" in inspect.signature(cls.call).parameters


class InputLayer(Layer):
    """A model's input: no weights; ``output`` is the symbolic tensor ``Input(shape)`` returns. It is
    ``model.layers[0]`` of a functional model (as Keras'); first in a Sequential it sets the input shape."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to InputLayer: {kwargs}")
        if batch_shape is not None:
            shape = tuple(batch_shape)
        elif shape is None:
            raise ValueError("Input: pass shape=(...), the shape of one sample without the batch")
        else:
            shape = (batch_size, *(shape if isinstance(shape, (tuple, list)) else (shape,)))
        super().__init__(name=name or unique_name("InputLayer"))
        self.built, self.input_shape, self.output_shape = True, shape, shape
        self.output = KerasTensor(shape, dtype or "float32", name=self.name, origin=self)

    def get_config(self):
        return {"name": self.name, "batch_shape": list(self.output_shape), "dtype": self.output.dtype}
