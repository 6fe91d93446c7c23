"""Recurrent layers: RNNCell, LSTMCell, GRUCell (one step) and RNN, LSTM, GRU (whole sequences).

Names, arguments, parameter names and shapes, gate order and init are PyTorch's:

    RNN   h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)            (or relu)
    LSTM  i, f, g, o = sigma, sigma, tanh, sigma of  x W_ih^T + b_ih + h W_hh^T + b_hh
          c' = f * c + i * g            h' = o * tanh(c')
    GRU   r, z = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr), sigma(x W_iz^T + b_iz + h W_hz^T + b_hz)
          n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))       h' = (1 - z) * n + z * h

``weight_ih`` stacks the gates' input weights, (G*hidden, input); ``weight_hh`` the
recurrent ones, (G*hidden, hidden); G = 1, 4, 3. Every parameter starts U(-k, k),
k = 1/sqrt(hidden_size).

The cells are composites of ordinary ops (``rnn_tanh_cell``, ``lstm_cell``, ``gru_cell``
below), so a hand-unrolled loop of cells builds a graph you can draw and step through,
and that can be differentiated twice. The sequence layers run each layer and direction
as one fused primitive (autograd/ops_recurrent.py: one input matmul for all the steps,
hand-written backpropagation through time), which is what makes them fast.
"""
import math
import warnings

from autograd.backend import host

import autograd as ag
from autograd import ShapeError, Tensor, no_grad
from autograd.ops.recurrent import GRULayer, RNNLayer, lstm_layer

from . import functional as F
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, pack_steps, unpack_steps

# ----------------------------------------------------------------- the cells as functions


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). input (N, I), hx (N, H) -> (N, H)."""
    return (_linear(input, w_ih, b_ih) + _linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return (_linear(input, w_ih, b_ih) + _linear(hx, w_hh, b_hh)).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step. ``hx = (h, c)``, each (N, H); returns ``(h', c')``."""
    h, c = hx
    gates = _linear(input, w_ih, b_ih) + _linear(h, w_hh, b_hh)  # (N, 4H)
    i, f, g, o = gates.chunk(4, dim=-1)  # each (N, H)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c = f * c + i * g
    return o * c.tanh(), c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: returns h' (N, H). b_hn stays inside r * (...), as in PyTorch."""
    x_r, x_z, x_n = _linear(input, w_ih, b_ih).chunk(3, dim=-1)  # each (N, H)
    h_r, h_z, h_n = _linear(hx, w_hh, b_hh).chunk(3, dim=-1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * hx


def _linear(x, w, b):
    """x W^T + b (b may be None)."""
    return x @ w.T if b is None else x @ w.T + b


# ----------------------------------------------------------------- shared helpers


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _check_dtype(layer, input, weight):
    if input.dtype != weight.dtype:
        raise TypeError(f"{layer}: input has dtype {input.dtype} but the parameters are {weight.dtype}; "
                        f"cast the input (x.float()) or the module (.double()) so that they match")


def _check_args(name, input_size, hidden_size):
    for what, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(n, bool) or not isinstance(n, (int, host.integer)) or n <= 0:
            raise ValueError(f"{name}: {what} must be a positive integer, got {n!r}")


def _new_weight(shape, dtype):
    return Parameter(ag.empty(*shape, dtype=dtype or ag.get_default_dtype()))


# ----------------------------------------------------------------- cells


class RNNCellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        _check_args(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        G = self._gates
        self.weight_ih = _new_weight((G * hidden_size, input_size), dtype)
        self.weight_hh = _new_weight((G * hidden_size, hidden_size), dtype)
        if bias:
            self.bias_ih = _new_weight((G * hidden_size,), dtype)
            self.bias_hh = _new_weight((G * hidden_size,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def reset_parameters(self):
        """Every weight and bias U(-k, k), k = 1/sqrt(hidden_size) (PyTorch's default)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        with no_grad():
            for p in self.parameters():
                p.uniform_(-k, k)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _layer(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _check_input(self, input):
        """(N, I) or unbatched (I,) -> (N, I) and whether it was batched."""
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._layer()}: expected a Tensor as input, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ShapeError(f"{self._layer()}: expected input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {_shape(input.shape)}")
        _check_dtype(self._layer(), input, self.weight_ih)
        return (input, True) if input.ndim == 2 else (input.unsqueeze(0), False)

    def _check_state(self, h, name, batch, batched, dtype):
        """A given state must be (N, H) (or (H,) for unbatched input); None means zeros."""
        if h is None:
            return ag.zeros(batch, self.hidden_size, dtype=dtype, device=next(self.parameters()).device)
        want = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if not isinstance(h, Tensor) or tuple(h.shape) != want:
            got = _shape(h.shape) if isinstance(h, Tensor) else type(h).__name__
            raise ShapeError(f"{self._layer()}: expected {name} of shape {_shape(want)}, got {got}")
        return h if batched else h.unsqueeze(0)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """``RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')``:
    h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        h = self._check_state(hx, "hx", x.shape[0], batched, x.dtype)
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = cell(x, h, *self._weights())
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """``LSTMCell(input_size, hidden_size, bias=True)``: ``cell(x, (h, c)) -> (h', c')``, gates i, f, g, o."""

    _gates = 4

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{self._layer()}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        h, c = (None, None) if hx is None else hx
        h = self._check_state(h, "h_0", x.shape[0], batched, x.dtype)
        c = self._check_state(c, "c_0", x.shape[0], batched, x.dtype)
        h, c = lstm_cell(x, (h, c), *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """``GRUCell(input_size, hidden_size, bias=True)``: h' = (1 - z) * n + z * h, gates r, z, n."""

    _gates = 3

    def forward(self, input, hx=None):
        x, batched = self._check_input(input)
        h = self._check_state(hx, "hx", x.shape[0], batched, x.dtype)
        h = gru_cell(x, h, *self._weights())
        return h if batched else h.squeeze(0)


# ----------------------------------------------------------------- sequence layers


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters per layer and direction, shape
    checks, stacking layers, the second direction, dropout between layers."""

    _gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        _check_args(name, input_size, hidden_size)
        if isinstance(num_layers, bool) or not isinstance(num_layers, (int, host.integer)) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive integer, got {num_layers!r}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] giving the probability of an "
                             f"element being zeroed, got {dropout!r}")
        if isinstance(proj_size, bool) or not isinstance(proj_size, (int, host.integer)) or proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable projections, "
                             f"got {proj_size!r}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size (got proj_size={proj_size}, "
                             f"hidden_size={hidden_size})")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} and num_layers=1: dropout only acts between stacked "
                          f"layers, so it does nothing here", stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, int(proj_size)
        G, D = self._gates[mode], 2 if bidirectional else 1
        out = proj_size or hidden_size  # the size of h: projected from hidden_size when proj_size > 0
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out * D
            for direction in range(D):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (G * hidden_size, layer_input)), ("weight_hh", (G * hidden_size, out))]
                if bias:
                    shapes += [("bias_ih", (G * hidden_size,)), ("bias_hh", (G * hidden_size,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                for kind, shape in shapes:
                    setattr(self, kind + suffix, _new_weight(shape, dtype))
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()
        if device is not None:  # torch's factory keyword: made here, then moved there
            self.to(device)

    def reset_parameters(self):
        """Every weight and bias U(-k, k), k = 1/sqrt(hidden_size) (PyTorch's default)."""
        k = 1.0 / math.sqrt(self.hidden_size)
        with no_grad():
            for p in self.parameters():
                p.uniform_(-k, k)

    def flatten_parameters(self):
        """Kept for PyTorch code that calls it (cuDNN weight packing); nothing to do here."""

    @property
    def all_weights(self):
        """[[w_ih, w_hh, b_ih, b_hh(, w_hr)] for each layer and direction], as in PyTorch."""
        per = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ forward

    def _layer(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") + (("weight_hr",) if self.proj_size else ())
        return tuple(getattr(self, kind + suffix) if self.bias or kind.startswith("weight") else None
                     for kind in kinds)

    def _check_input(self, input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._layer()}: expected a Tensor as input, got {type(input).__name__}")
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            batched = "(N, L, {0})" if self.batch_first else "(L, N, {0})"
            raise ShapeError(f"{self._layer()}: expected input of shape {batched.format(self.input_size)} or "
                             f"(L, {self.input_size}), got {_shape(input.shape)} "
                             f"(L is the sequence length, N the batch size)")
        if input.shape[0 if input.ndim == 2 or not self.batch_first else 1] == 0:
            raise ShapeError(f"{self._layer()}: got an empty sequence, shape {_shape(input.shape)}; "
                             f"the sequence length L must be at least 1")
        _check_dtype(self._layer(), input, self.weight_ih_l0)

    def _check_state(self, h, name, batch, batched):
        """h_0 (num_layers * num_directions, N, H), or without N for unbatched input; with projections h_0's
        last dim is proj_size (c_0's stays hidden_size)."""
        lead = self.num_layers * (2 if self.bidirectional else 1)
        size, what = (self.proj_size, "proj_size") if self.proj_size and name == "h_0" else (self.hidden_size,
                                                                                              "hidden_size")
        want = (lead, batch, size) if batched else (lead, size)
        if not isinstance(h, Tensor) or tuple(h.shape) != want:
            got = _shape(h.shape) if isinstance(h, Tensor) else type(h).__name__
            raise ShapeError(f"{self._layer()}: expected {name} of shape {_shape(want)} "
                             f"(num_layers * num_directions, N, {what}), got {got}")
        _check_dtype(self._layer(), h, self.weight_ih_l0)
        return h if batched else h.unsqueeze(1)

    def forward(self, input, hx=None):
        """input (L, N, I) ((N, L, I) if batch_first, or (L, I) unbatched) -> (output, h_n);
        LSTM: (output, (h_n, c_n)). output (L, N, D*H); h_n, c_n (num_layers*D, N, H). A PackedSequence
        input (nn.utils.rnn) gives a PackedSequence output."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input)
        batched = input.ndim == 3
        x = input if not batched else (input.transpose(0, 1) if self.batch_first else input)
        x = x if batched else x.unsqueeze(1)  # (L, N, I)
        batch = x.shape[1]
        h0, c0 = self._initial_state(hx, batch, batched, x.dtype)
        x, h_n, c_n = self._stack(x, h0, c0)
        output = x if batched else x.squeeze(1)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        h_n = ag.stack(h_n) if batched else ag.stack(h_n).squeeze(1)
        if self.mode != "LSTM":
            return output, h_n
        c_n = ag.stack(c_n) if batched else ag.stack(c_n).squeeze(1)
        return output, (h_n, c_n)

    def _stack(self, x, h0, c0):
        """Every layer and direction over x (L, N, I) from the initial states h0[k], c0[k] (N, H), k =
        layer * D + direction: the last layer's outputs (L, N, D*H) and the lists of final states."""
        D = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction
                out, h, c = self._run(x, h0[k], c0[k] if c0 is not None else None,
                                      self._weights(layer, direction), direction == 1)
                outputs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outputs[0] if D == 1 else ag.cat(outputs, dim=2)  # (L, N, D*H)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, h_n, c_n

    def _forward_packed(self, packed, hx):
        """A PackedSequence in, a PackedSequence out (and the final states, in the batch's original
        order, each sequence's own: taken at its last step, the reverse direction started there).

        The sequences of one length run together as one batch through the fused layers; the batch is
        sorted by length, so each such group is a slice of it."""
        data, batch_sizes = packed.data, packed.batch_sizes.tolist()
        if not isinstance(data, Tensor) or data.ndim != 2 or data.shape[1] != self.input_size:
            raise ShapeError(f"{self._layer()}: expected a PackedSequence of (sum of lengths, "
                             f"{self.input_size}) data, got {_shape(data.shape)}")
        _check_dtype(self._layer(), data, self.weight_ih_l0)
        batch = batch_sizes[0]
        if hx is not None and packed.sorted_indices is not None:  # the states follow the sorted batch
            hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx) if self.mode == "LSTM" and \
                isinstance(hx, (tuple, list)) else hx.index_select(1, packed.sorted_indices)
        h0, c0 = self._initial_state(hx, batch, True, data.dtype)
        padded = unpack_steps(data, batch_sizes)  # (T, B, I), longest first
        lengths = [sum(b > i for b in batch_sizes) for i in range(batch)]
        outputs, h_parts, c_parts, start = [], [], [], 0
        while start < batch:
            n = lengths[start]
            end = start + lengths.count(n)
            out, h_n, c_n = self._stack(padded[:n, start:end], [h[start:end] for h in h0],
                                        None if c0 is None else [c[start:end] for c in c0])
            outputs.append(out if n == len(batch_sizes) else F.pad(out, (0, 0, 0, 0, 0, len(batch_sizes) - n)))
            h_parts.append(ag.stack(h_n))
            c_parts.append(ag.stack(c_n) if c0 is not None else None)
            start = end
        output = PackedSequence(pack_steps(ag.cat(outputs, dim=1), batch_sizes), packed.batch_sizes,
                                packed.sorted_indices, packed.unsorted_indices)
        h_n = ag.cat(h_parts, dim=1)
        if packed.unsorted_indices is not None:
            h_n = h_n.index_select(1, packed.unsorted_indices)
        if self.mode != "LSTM":
            return output, h_n
        c_n = ag.cat(c_parts, dim=1)
        if packed.unsorted_indices is not None:
            c_n = c_n.index_select(1, packed.unsorted_indices)
        return output, (h_n, c_n)

    def _initial_state(self, hx, batch, batched, dtype):
        """Per layer and direction (N, H) states: a list of zeros, or the given tensor."""
        lead = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            device = next(self.parameters()).device
            zeros = [ag.zeros(batch, self.hidden_size, dtype=dtype, device=device) for _ in range(lead)]
            if self.proj_size:  # h is projected: (N, proj_size); c keeps (N, hidden_size)
                return [ag.zeros(batch, self.proj_size, dtype=dtype, device=device) for _ in range(lead)], zeros
            return zeros, (zeros if self.mode == "LSTM" else None)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{self._layer()}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            return (self._check_state(hx[0], "h_0", batch, batched),
                    self._check_state(hx[1], "c_0", batch, batched))
        return self._check_state(hx, "h_0", batch, batched), None

    def _run(self, x, h0, c0, weights, reverse):
        """One layer, one direction: (L, N, H) outputs and the final (N, H) states."""
        if self.mode == "LSTM":
            if self.proj_size:
                return _projected_lstm_layer(x, h0, c0, *weights, reverse=reverse)
            return lstm_layer(x, h0, c0, *weights, reverse=reverse)
        if self.mode == "GRU":
            hs = GRULayer.apply(x, h0, *weights, reverse=reverse)
        else:
            hs = RNNLayer.apply(x, h0, *weights, reverse=reverse,
                                nonlinearity="tanh" if self.mode == "RNN_TANH" else "relu")
        return hs, hs[0 if reverse else -1], None  # the reverse direction ends at the first step


def _projected_lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse=False):
    """One LSTM layer with projections (proj_size > 0), step by step from ordinary ops: h_t = (o * tanh(c_t))
    W_hr^T, (N, proj_size), fed back in place of the hidden state (PyTorch's LSTM with projections). Unlike the
    fused layer it records one small graph per step: slower, rare, and differentiable twice."""
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    h, c, outputs = h0, c0, [None] * x.shape[0]
    for t in steps:
        h, c = lstm_cell(x[t], (h, c), w_ih, w_hh, b_ih, b_hh)
        h = h.matmul(w_hr.t())
        outputs[t] = h
    return ag.stack(outputs), h, c


class RNN(RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``: ``lstm(x, (h_0, c_0)) -> (output, (h_n, c_n))``, gates i, f, g, o.
    With ``proj_size`` > 0 each h_t is projected, h_t = (o * tanh(c_t)) W_hr^T, to proj_size features (the
    outputs and h_n have proj_size features, c_n hidden_size; weight_hr_l{k} is (proj_size, hidden_size))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``: ``gru(x, h_0) -> (output, h_n)``, gates r, z, n."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
