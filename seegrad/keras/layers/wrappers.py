"""Wrappers: a layer run in a new way.

    Bidirectional(LSTM(16))    the recurrent layer run forwards and a copy run backwards over the
                               sequence; their outputs merged (concat by default, sum, mul, ave, or
                               None: the pair). Weights: the forward layer's, then the backward's.
    TimeDistributed(Dense(8))  the layer applied to each step of (batch, steps, ...) alone: the steps
                               folded into the batch, the layer run once, unfolded.
"""
import autograd as ag

from ..utils import not_supported
from .base import Layer, takes_mask
from .recurrent import _RNN

__all__ = ["Bidirectional", "TimeDistributed"]

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _from_config(layer):
    """The wrapped layer, rebuilt when load_model passes its saved config."""
    if isinstance(layer, dict):
        from ..saving import model_from_config
        return model_from_config(layer)
    return layer


def _copy(layer, **changes):
    """A fresh layer of the same class and configuration (no weights yet), with ``changes``."""
    config = layer.get_config()
    config.pop("batch_input_shape", None)
    return type(layer)(**{**config, **changes})


class Bidirectional(Layer):
    """``layer`` (SimpleRNN, LSTM, GRU) read forwards, and a copy with ``go_backwards=True`` (Keras refuses
    a layer that already reads backwards); with ``return_sequences`` the backward outputs are put back
    in the inputs' order before merging."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        layer = _from_config(layer)
        if not isinstance(layer, _RNN):
            raise ValueError(f"Please initialize `Bidirectional` layer with a `keras.layers.RNN` instance. "
                             f"Received: layer={layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        if weights is not None:
            not_supported("Bidirectional(weights=...)", "call set_weights once the layer is built")
        self.forward_layer = _copy(layer, name="forward_" + layer.name.removeprefix("forward_"))
        if backward_layer is None:  # Keras: the copy reads backwards (go_backwards=True, whatever the layer's)
            backward_layer = _copy(layer, name="backward_" + layer.name.removeprefix("backward_"), go_backwards=True)
        self.backward_layer = _from_config(backward_layer)
        if not isinstance(self.backward_layer, _RNN) or self.forward_layer.go_backwards == \
                self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. Received: "
                             f"forward_layer.go_backwards {self.forward_layer.go_backwards}, "
                             f"backward_layer.go_backwards={getattr(self.backward_layer, 'go_backwards', None)}")
        self.merge_mode = merge_mode
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        for inner in (self.forward_layer, self.backward_layer):  # Keras: masked steps of sequences give zeros
            inner.zero_output_for_mask = inner.return_sequences

    def build(self, input_shape):
        self.forward_layer._build(input_shape)
        self.backward_layer._build(input_shape)

    supports_masking = True

    def call(self, x, training=False, mask=None):
        forward = self.forward_layer(x, training=training, mask=mask)
        backward = self.backward_layer(x, training=training, mask=mask)
        states = []
        if self.return_state:  # each layer gives [output, *its states]: Keras returns the forward's states, then
            (forward, *states), (backward, *more) = forward, backward  # the backward's, after the output(s)
            states += more
        if self.return_sequences:
            backward = backward.flip(1)  # back in the order of the inputs
        if self.merge_mode == "concat":
            merged = [ag.cat([forward, backward], dim=-1)]
        elif self.merge_mode == "sum":
            merged = [forward + backward]
        elif self.merge_mode == "mul":
            merged = [forward * backward]
        elif self.merge_mode == "ave":
            merged = [(forward + backward) / 2]
        else:
            merged = [forward, backward]
        return merged + states if self.return_state or self.merge_mode is None else merged[0]

    def _more_output_shapes(self, input_shape):
        """With return_state, a symbolic call makes both layers' states too: (batch, units) each."""
        return self.forward_layer._more_output_shapes(input_shape) + self.backward_layer._more_output_shapes(input_shape)

    def _call_symbolic(self, inputs, **kwargs):
        if self.merge_mode is None:
            not_supported("Bidirectional(merge_mode=None) in the functional API or a Sequential",
                          "call it on a tensor to get [forward, backward]")
        return super()._call_symbolic(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return (*shape[:-1], 2 * shape[-1])
        return shape

    def get_config(self):
        config = self.forward_layer.get_config()
        config["name"] = config["name"].removeprefix("forward_")
        return {**super().get_config(), "layer": {"class_name": type(self.forward_layer).__name__, "config": config},
                "merge_mode": self.merge_mode}


class TimeDistributed(Layer):
    """``layer`` on every step alone: (batch, steps, *features) -> (batch, steps, *layer's output). A mask
    (batch, steps) passes through to the layers after it, as Keras'; Keras also hands each step's mask to an
    inner layer whose call takes one (an RNN over sub-steps), which is refused here."""

    supports_masking = True

    @property
    def _refuses_mask(self):
        return takes_mask(type(self.layer))

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        layer = _from_config(layer)
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer!r}")
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                             f"received: {tuple(input_shape)}")
        self.layer._build((None, *input_shape[2:]))

    def call(self, x, training=False):
        batch, steps = x.shape[0], x.shape[1]
        y = self.layer(x.reshape(batch * steps, *x.shape[2:]), training=training)  # steps folded into the batch
        return y.reshape(batch, steps, *y.shape[1:])

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None, *input_shape[2:]))
        return (input_shape[0], input_shape[1], *inner[1:])

    def get_config(self):
        return {**super().get_config(), "layer": {"class_name": type(self.layer).__name__,
                                                  "config": self.layer.get_config()}}
