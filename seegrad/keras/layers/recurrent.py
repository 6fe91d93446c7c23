"""SimpleRNN, LSTM, GRU over (batch, timesteps, features), on this project's fused recurrent ops.

Keras' weights, converted to the ops' PyTorch layout on every call (a transpose, and for the GRU
a reordering of the gates), so gradients land on Keras' weights:

    SimpleRNN  kernel (in, units), recurrent_kernel (units, units), bias (units,)
               h_t = tanh(x_t kernel + h_{t-1} recurrent_kernel + bias)
    LSTM       kernel (in, 4 units), recurrent_kernel (units, 4 units), bias (4 units,): gates i, f, c, o
               (PyTorch's i, f, g, o: the same order); one bias, where PyTorch has two; the forget
               gate's bias starts at 1 (unit_forget_bias)
    GRU        kernel (in, 3 units), recurrent_kernel (units, 3 units), bias (2, 3 units) = input and
               recurrent biases (reset_after=True, Keras 3's default, which is PyTorch's formula);
               gates z, r, h where PyTorch orders r, z, n

kernel glorot_uniform, recurrent_kernel orthogonal, bias zeros. ``return_sequences`` gives every
step's output (batch, timesteps, units), else the last one (batch, units); ``return_state`` adds
the final states (in the functional API, one KerasTensor each: ``out, h, c = LSTM(8, return_state=True)(x)``);
``initial_state`` (a call's keyword: ``[h, c]`` for the LSTM, ``h`` or ``[h]`` otherwise, each (batch, units))
starts the recurrence from those states instead of zeros (a seq2seq decoder from its encoder's states);
``go_backwards`` reads the sequence from its end.

With a mask (Embedding(mask_zero=True) upstream), ``dropout`` / ``recurrent_dropout`` while
training, an activation the fused op does not compute (it computes tanh and sigmoid, and relu for
SimpleRNN), or ``GRU(reset_after=False)`` (one bias (3 units,); the reset gate scales the state before
its product with the recurrent kernel), the layer runs Keras' loop instead of the fused op, the cell
step by step (``_cell``, Keras' formulas):
- at a masked step a sample's states stay as they were and its output is the previous step's (zeros
  with ``zero_output_for_mask``, which Bidirectional sets for sequences), so the last output is that
  of the last unmasked step;
- dropout masks (0 or 1/(1-rate)) are drawn once per call, (batch, features) for the inputs and
  (batch, units) for the recurrent state, and the same masks serve every step of the sequence; with
  ``recurrent_dropout`` each gate has masks of its own (Keras' implementation 1), with ``dropout``
  alone one mask serves all gates. The draws come from the project's generator (or the layer's own
  with ``seed``), not Keras' numbers. At inference neither applies: the fused op runs.
"""
import numpy as np

import autograd as ag
from autograd.ops.recurrent import GRULayer, RNNLayer, lstm_layer

from .. import activations, initializers, regularizers
from .base import Layer
from .core import positive_int, refuse

__all__ = ["SimpleRNN", "LSTM", "GRU"]


def _rate(layer, what, value):
    """A dropout rate in [0, 1), or a clear error (Keras clips other values silently, and ignores 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"{layer}: `{what}` must be a number in [0, 1), the fraction of units dropped; got {value!r}")
    return float(value)


class _RNN(Layer):
    _gates = 1
    _states = 1  # h (the LSTM: h and c)
    _activations = {"activation": ("tanh",)}  # what the fused op computes; others run Keras' loop (_cell)
    supports_masking = True
    zero_output_for_mask = False  # Keras: the output at a masked step repeats the previous one

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        refuse(layer, kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
               bias_constraint=bias_constraint, stateful=stateful)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout, self.recurrent_dropout = _rate(layer, "dropout", dropout), \
            _rate(layer, "recurrent_dropout", recurrent_dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{layer}: `seed` must be an integer or None, got {seed!r}")
        self.seed = seed
        self._generator = None if seed is None else ag.Generator().manual_seed(int(seed))
        self.units = positive_int(layer, "units", units)
        self._fused = True  # (False once an option needs Keras' loop: _check_activation, GRU(reset_after=False))
        self.activation_name, self._activation = self._check_activation("activation", activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)

    def _check_activation(self, what, value):
        """``value`` as (its Keras name, or the user's function, for the config; the function to apply, None
        for linear). One the fused op does not compute makes the layer run Keras' loop, step by step."""
        function = activations.get(value)  # (an unknown name: its NotSupported error)
        try:
            name = value if isinstance(value, str) else activations.serialize(function)
        except ValueError:  # a function of the user's
            name = value
        if name not in self._activations[what]:
            self._fused = False
        return name, function

    @staticmethod
    def _apply(function, z):
        return z if function is None else function(z)  # (None: linear)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=3 "
                             f"(batch, timesteps, features), found ndim={len(input_shape)}. Full shape received: "
                             f"{input_shape}")
        G, H = self._gates, self.units
        self.add_weight("kernel", (input_shape[-1], G * H), self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.add_weight("recurrent_kernel", (H, G * H), self.recurrent_initializer,
                        regularizer=self.recurrent_regularizer)
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._bias_initializer(), regularizer=self.bias_regularizer)

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def call(self, x, training=False, mask=None, initial_state=None):
        start = self._initial_states(initial_state, x.shape[0], x.dtype)
        dropping = training and (self.dropout > 0 or self.recurrent_dropout > 0)
        if mask is not None or dropping or not self._fused:
            hs, last, states = self._run_steps(x, mask, self._draw_masks(x) if dropping else (None, None), start)
            out = hs if self.return_sequences else last
            return [out, *states] if self.return_state else out
        x = x.transpose(0, 1)  # (L, N, I): the ops run time-major
        length = x.shape[0]
        hs, states = self._run(x, start)  # hs (L, N, H), aligned with the inputs
        if self.go_backwards:  # Keras gives the outputs in the order it read them: last input first
            hs = hs[np.arange(length - 1, -1, -1)]
        out = hs.transpose(0, 1) if self.return_sequences else hs[length - 1]  # (N, L, H) or (N, H)
        return [out, *states] if self.return_state else out

    def _initial_states(self, initial_state, batch, dtype):
        """The states the recurrence starts from: zeros, or ``initial_state`` checked (their number, shapes)."""
        if initial_state is None:
            return [ag.zeros(batch, self.units, dtype=dtype)] * self._states
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        self._check_initial_shapes([tuple(s.shape) for s in states], batch)
        return [s if s.dtype == dtype else s.to(dtype) for s in states]

    def _check_initial_shapes(self, shapes, batch):
        """``initial_state`` holds one (batch, units) state per state of the layer (the LSTM: h and c)."""
        what = "[h, c], two states" if self._states == 2 else "h (or [h]), one state"
        if len(shapes) != self._states:
            raise ValueError(f"{type(self).__name__} {self.name!r}: initial_state takes {what} of shape (batch, "
                             f"units={self.units}); got {len(shapes)} tensors")
        for shape in shapes:
            if len(shape) != 2 or shape[1] != self.units or batch is not None and shape[0] not in (None, batch):
                raise ValueError(f"{type(self).__name__} {self.name!r}: each initial state must have shape (batch, "
                                 f"units) = ({batch}, {self.units}); got {shape}")

    def _run_steps(self, x, mask, dropout_masks, start):
        """Keras' loop, step by step, with a mask (batch, steps) or None, and ``dropout_masks`` (the
        inputs', the recurrent state's: lists, or None): returns every step's output (batch, steps, units)
        in the order read, the last output and the final states."""
        batch, length = x.shape[0], x.shape[1]
        if mask is not None and tuple(mask.shape) != (batch, length):
            raise ValueError(f"{self.name}: the mask has shape {tuple(mask.shape)}; it must be (batch, timesteps) = "
                             f"{(batch, length)}, one flag per step")
        keep = None if mask is None else mask.bool()
        zeros = ag.zeros(batch, self.units, dtype=x.dtype)
        states = list(start)
        output, outputs = zeros, []
        for t in (range(length - 1, -1, -1) if self.go_backwards else range(length)):
            new_output, new_states = self._cell(x[:, t], states, dropout_masks)
            if keep is None:
                output, states = new_output, new_states
            else:
                step = keep[:, t:t + 1]  # (batch, 1)
                states = [ag.where(step, new, old) for new, old in zip(new_states, states)]
                output = ag.where(step, new_output, zeros if self.zero_output_for_mask else output)
            outputs.append(output)
        return ag.stack(outputs, 1), output, states

    def _draw_masks(self, x):
        """This call's dropout masks (Keras draws them at the first step and keeps them): the inputs'
        then the recurrent state's, one per gate with recurrent_dropout, else one."""
        count = self._gates if self.recurrent_dropout > 0 else 1
        batch, features = x.shape[0], x.shape[-1]
        inputs = [self._dropout_mask((batch, features), self.dropout) for _ in range(count)] \
            if self.dropout > 0 else None
        recurrent = [self._dropout_mask((batch, self.units), self.recurrent_dropout) for _ in range(count)] \
            if self.recurrent_dropout > 0 else None
        return inputs, recurrent

    def _dropout_mask(self, shape, rate):
        """0 with probability ``rate``, else 1/(1-rate) (Keras' dropout of a tensor of ones), float32."""
        keep = (ag.rand(*shape, generator=self._generator) >= rate).float()
        return keep * (1.0 / (1.0 - rate))

    def _projections(self, x_t, h, dropout_masks):
        """x_t kernel and h recurrent_kernel (gates side by side), the dropout masks applied first: one
        mask for all gates, or each gate's own on its columns (Keras' implementation 1)."""
        return self._project(x_t, self.kernel, dropout_masks[0]), self._project(h, self.recurrent_kernel, dropout_masks[1])

    def _project(self, v, weight, masks):
        """v @ weight, with one dropout mask for all gates or each gate's own on its columns (or none)."""
        if masks is None:
            return v @ weight
        if len(masks) == 1:
            return (v * masks[0]) @ weight
        H = self.units
        return ag.cat([(v * m) @ weight[:, g * H:(g + 1) * H] for g, m in enumerate(masks)], dim=-1)

    def _call_symbolic(self, inputs, **kwargs):
        given = kwargs.get("initial_state")
        if given is not None:
            states = list(given) if isinstance(given, (list, tuple)) else [given]
            self._check_initial_shapes([tuple(getattr(s, "shape", ())) for s in states], None)
        return super()._call_symbolic(inputs, **kwargs)

    def _more_output_shapes(self, input_shape):
        """With return_state, a symbolic call makes the states too: (batch, units) each."""
        return [(input_shape[0], self.units)] * self._states if self.return_state else []

    def compute_mask(self, inputs, mask=None):
        """The mask goes on with the sequences (return_sequences), and stops at the last output."""
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):  # of the output (return_state adds the states)
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": activations.serialize(self._activation),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
                "use_bias": self.use_bias, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                **{k: initializers.serialize(getattr(self, k)) for k in (
                    "kernel_initializer", "recurrent_initializer", "bias_initializer")},
                **{k: regularizers.serialize(getattr(self, k)) for k in (
                    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer")}}


class SimpleRNN(_RNN):
    """h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias); tanh or relu fused, others step by step."""

    _activations = {"activation": ("tanh", "relu")}

    def _run(self, x, start):
        bias = self.bias if self.use_bias else None
        hs = RNNLayer.apply(x, start[0], self.kernel.T, self.recurrent_kernel.T, bias, None, reverse=self.go_backwards,
                            nonlinearity=self.activation_name)
        last = 0 if self.go_backwards else x.shape[0] - 1
        return hs, [hs[last]]

    def _cell(self, x_t, states, dropout_masks):
        """One step: h = activation(x_t kernel + h recurrent_kernel + bias)."""
        xk, hk = self._projections(x_t, states[0], dropout_masks)
        z = xk + self.bias + hk if self.use_bias else xk + hk
        h = self._apply(self._activation, z)
        return h, [h]


class LSTM(_RNN):
    """i, f, o = sigmoid(...), c~ = tanh(...) of x_t @ kernel + h_{t-1} @ recurrent_kernel + bias;
    c_t = f c_{t-1} + i c~;  h_t = o tanh(c_t)."""

    _gates = 4
    _states = 2
    _activations = {"activation": ("tanh",), "recurrent_activation": ("sigmoid",)}

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        super().__init__(units, activation, **kwargs)
        self._recurrent_activation = self._check_activation("recurrent_activation", recurrent_activation)[1]
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, H = self.bias_initializer, self.units

        def forget_bias_one(shape, dtype=None):  # Keras: [init(H), ones(H), init(2H)]
            return np.concatenate([init((H,)), np.ones(H, np.float32), init((2 * H,))])
        return forget_bias_one

    def _run(self, x, start):
        bias = self.bias if self.use_bias else None
        hs, h_n, c_n = lstm_layer(x, start[0], start[1], self.kernel.T, self.recurrent_kernel.T, bias, None,
                                  reverse=self.go_backwards)  # every h_t (L, N, H), the final h and c
        return hs, [h_n, c_n]

    def _cell(self, x_t, states, dropout_masks):
        """One step: gates i, f, c~, o of x_t kernel + h recurrent_kernel + bias; c = f c + i tanh(c~)."""
        h, c = states
        xk, hk = self._projections(x_t, h, dropout_masks)
        z = xk + hk + self.bias if self.use_bias else xk + hk  # Keras' order of the sums
        H, gate, act = self.units, self._recurrent_activation, self._activation
        i, f, o = self._apply(gate, z[:, :H]), self._apply(gate, z[:, H:2 * H]), self._apply(gate, z[:, 3 * H:])
        c = f * c + i * self._apply(act, z[:, 2 * H:3 * H])
        h = o * self._apply(act, c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self._recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """z, r = sigmoid(...); h~ = tanh(x_t W_h + b_h + r * (h_{t-1} U_h + b'_h)); h_t = z h_{t-1} + (1 - z) h~.
    With ``reset_after=False`` (Keras 2's TensorFlow-1 formula, one bias (3 units,)): h~ = tanh(x_t W_h + b_h +
    (r * h_{t-1}) U_h), step by step (the fused op computes PyTorch's formula, which is reset_after=True)."""

    _gates = 3
    _activations = {"activation": ("tanh",), "recurrent_activation": ("sigmoid",)}

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", reset_after=True, **kwargs):
        super().__init__(units, activation, **kwargs)
        self._recurrent_activation = self._check_activation("recurrent_activation", recurrent_activation)[1]
        self.reset_after = bool(reset_after)
        self._fused = self._fused and self.reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _torch_order(self, w):
        """Keras' gate columns z, r, h -> PyTorch's rows r, z, n (transposed)."""
        H = self.units
        return ag.cat([w[..., H:2 * H], w[..., :H], w[..., 2 * H:]], dim=-1).transpose(-1, -2)

    def _run(self, x, start):
        b_ih = b_hh = None
        if self.use_bias:
            b_ih, b_hh = self._torch_order(self.bias[0:1])[:, 0], self._torch_order(self.bias[1:2])[:, 0]
        hs = GRULayer.apply(x, start[0], self._torch_order(self.kernel), self._torch_order(self.recurrent_kernel),
                            b_ih, b_hh, reverse=self.go_backwards)
        last = 0 if self.go_backwards else x.shape[0] - 1
        return hs, [hs[last]]

    def _cell(self, x_t, states, dropout_masks):
        """One step: z, r = sigmoid(x W + b + h U + b'); h~ = tanh(x W_h + b_h + r (h U_h + b'_h)) (reset_after)
        or tanh(x W_h + b_h + (r h) U_h); h = z h + (1 - z) h~ (the state itself undropped)."""
        h, H, gate = states[0], self.units, self._recurrent_activation
        if not self.reset_after:
            return self._cell_reset_before(x_t, h, dropout_masks)
        xm, hm = self._projections(x_t, h, dropout_masks)
        if self.use_bias:
            xm, hm = xm + self.bias[0], hm + self.bias[1]
        z = self._apply(gate, xm[:, :H] + hm[:, :H])
        r = self._apply(gate, xm[:, H:2 * H] + hm[:, H:2 * H])
        candidate = self._apply(self._activation, xm[:, 2 * H:] + r * hm[:, 2 * H:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    def _cell_reset_before(self, x_t, h, dropout_masks):
        """reset_after=False: the reset gate scales the state before its product with U_h (Keras' cell)."""
        H, gate, masks = self.units, self._recurrent_activation, dropout_masks[1]
        xm = self._project(x_t, self.kernel, dropout_masks[0])
        if self.use_bias:
            xm = xm + self.bias
        kept = [h] * 3 if masks is None else [h * m for m in (masks * 3 if len(masks) == 1 else masks)]
        U = self.recurrent_kernel
        z = self._apply(gate, xm[:, :H] + kept[0] @ U[:, :H])
        r = self._apply(gate, xm[:, H:2 * H] + kept[1] @ U[:, H:2 * H])
        candidate = self._apply(self._activation, xm[:, 2 * H:] + (r * kept[2]) @ U[:, 2 * H:])
        h = z * h + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "recurrent_activation": activations.serialize(self._recurrent_activation),
                "reset_after": self.reset_after}
