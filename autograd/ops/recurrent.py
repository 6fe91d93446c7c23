"""Fused recurrent layers: one Function runs a whole sequence through an RNN, LSTM or GRU.

The cells in nn/recurrent.py are composites of small ops (a graph you can step through);
a 64-step LSTM built that way records ~20 nodes per step. Like cuDNN, these primitives
run the whole recurrence of one layer and one direction in numpy and write
backpropagation through time by hand:

    forward:  project every time step's input in one matmul  (L*N, I) @ (I, G*H),
              then loop over time doing only the recurrent matmul  h @ W_hh^T  per step
    backward: loop back over time for the gate gradients (one matmul per step),
              then each weight gradient in one matmul over all the steps.

Layout is PyTorch's: x (L, N, I), h0 (N, H), w_ih (G*H, I), w_hh (G*H, H), biases (G*H,)
or None, gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
``reverse=True`` runs the sequence backwards in time (the second direction of a
bidirectional layer); the outputs stay aligned with the inputs. Double backward
(create_graph=True) is not supported here: unroll with the cells for that.
"""
from ..backend import by_input, get_array_module, host, is_array

from ..function import Function


def _sigmoid(a):
    """1 / (1 + e^-a), written with tanh: stable for any a and faster than exp in numpy."""
    xp = get_array_module(a)
    out = xp.multiply(a, 0.5)
    xp.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _steps(length, reverse):
    return range(length - 1, -1, -1) if reverse else range(length)


def _previous(hs, h0, reverse):
    """The state each step started from: h0 then hs shifted by one step in time."""
    if reverse:
        return by_input.concatenate([hs[1:], h0[None]], axis=0)
    return by_input.concatenate([h0[None], hs[:-1]], axis=0)


def _project(x, w_ih, *biases):
    """x @ w_ih^T (+ biases) for all L*N rows in one matmul: (L, N, I) -> (L, N, G*H)."""
    length, batch, size = x.shape
    xw = (x.reshape(length * batch, size) @ w_ih.T).reshape(length, batch, -1)
    biases = [b for b in biases if b is not None]
    if biases:
        xw += biases[0] if len(biases) == 1 else biases[0] + biases[1]  # one pass over xw
    return xw


def _flat(a):
    return a.reshape(-1, a.shape[-1])


def _weight_grads(ctx, d_xw, d_hw, x, h_prev, w_ih):
    """Gradients of the inputs (x, w_ih, w_hh, b_ih, b_hh) from the gradients of the two
    projections  x @ w_ih^T + b_ih  (d_xw) and  h_prev @ w_hh^T + b_hh  (d_hw), all (L, N, G*H).
    Each is one matmul or one sum over all L*N rows."""
    need_x, need_w_ih, need_w_hh, need_b_ih, need_b_hh = (
        ctx.needs_input_grad[i] for i in (0, -4, -3, -2, -1))
    dx = (_flat(d_xw) @ w_ih).reshape(x.shape) if need_x else None  # (L, N, I)
    dw_ih = (_flat(d_xw).T @ _flat(x)) if need_w_ih else None  # (G*H, I)
    dw_hh = (_flat(d_hw).T @ _flat(h_prev)) if need_w_hh else None  # (G*H, H)
    db_ih = d_xw.sum(axis=(0, 1)) if need_b_ih else None  # (G*H,)
    db_hh = d_hw.sum(axis=(0, 1)) if need_b_hh else None
    return dx, dw_ih, dw_hh, db_ih, db_hh


def _no_double_backward(name, grad):
    if not is_array(grad):
        raise RuntimeError(
            f"{name}: double backward (create_graph=True) through a fused recurrent layer is not "
            f"supported; unroll the sequence with the cell modules (nn.RNNCell, nn.LSTMCell, "
            f"nn.GRUCell) to differentiate twice")


class RNNLayer(Function):
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu. Output (L, N, H)."""

    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False, nonlinearity="tanh"):
        xw = _project(x, w_ih, b_ih, b_hh)  # (L, N, H)
        w_hh_t = w_hh.T
        hs = ctx.xp.empty(xw.shape, dtype=xw.dtype)
        h = h0
        for t in _steps(len(xw), reverse):
            a = xw[t] + h @ w_hh_t
            h = ctx.xp.tanh(a, out=a) if nonlinearity == "tanh" else ctx.xp.maximum(a, 0, out=a)
            hs[t] = h
        ctx.reverse, ctx.tanh = reverse, nonlinearity == "tanh"
        ctx.save_for_backward(x, h0, w_ih, w_hh, hs)
        return hs

    def backward(ctx, grad):
        _no_double_backward("RNN", grad)
        x, h0, w_ih, w_hh, hs = ctx.saved_tensors
        d_a = get_array_module(hs).empty(hs.shape, dtype=hs.dtype)  # gradient of the pre-activation a_t
        dh = by_input.zeros_like(h0)
        for t in _steps(len(hs), not ctx.reverse):  # back in time
            dh = dh + grad[t]
            d_a[t] = dh * (1 - hs[t] * hs[t]) if ctx.tanh else dh * (hs[t] > 0)
            dh = d_a[t] @ w_hh  # (N, H): what h_{t-1} sent into a_t
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(ctx, d_a, d_a, x, _previous(hs, h0, ctx.reverse), w_ih)
        return dx, dh, dw_ih, dw_hh, db_ih, db_hh


class LSTMLayer(Function):
    """LSTM over a sequence. Output (2, L, N, H): the h_t of every step, then the c_t.

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of  z = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Speed (benchmarks/lstm_bench.py times these matmuls alone: the floor). The loop does only what
    depends on the previous step, in few numpy calls, each on whole contiguous (N, H) blocks:

    - Gate-major: the gates live in a (4, L, N, H) array, one contiguous block per gate, and each
      weight as (4, K, H), one matrix per gate; a step's h @ W_hh^T is one batched matmul
      (N, H) @ (4, H, H) (faster in OpenBLAS than (N, H) @ (H, 4H)), and no gate is a strided
      column slice (numpy runs those row by row, 2-3x slower at these sizes).
    - The gates are reordered o, i, f, g (``ORDER``): the three sigmoids are one block, the
      three gates that dc feeds another.
    - The biases ride in the input projection: x gets a column of ones, W_ih a column b_ih + b_hh,
      so one matmul gives x_t W_ih^T + b for all steps, and the same column gives the bias
      gradient inside dW_ih's matmul.
    - One tanh gives all four gates: sigmoid(z) = (1 + tanh(z/2)) / 2, the z/2 folded into the
      weights, so a step is tanh on (4, N, H), then * 0.5 + 0.5 on the sigmoid block.
    - Backward computes each step's dz on the block it has just read (cache-hot, no pass over
      the whole sequence), then dx, dW_ih + biases and dW_hh are one matmul each over all steps.
    """

    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        xp = ctx.xp
        length, batch = x.shape[:2]
        H = h0.shape[-1]
        half = xp.array([0.5, 0.5, 0.5, 1.0], dtype=x.dtype)[:, None, None]  # tanh(z/2) on o, i, f
        w_x = _transposed(_gate_major(_with_bias(w_ih, b_ih, b_hh))) * half  # (4, I+1, H)
        w_h = _transposed(_gate_major(w_hh)) * half  # (4, H, H)
        x1 = _with_ones(x)  # (L*N, I+1)
        acts = xp.matmul(x1, w_x).reshape(4, length, batch, H)  # z's input part; then the gates, in place
        states = xp.empty((2, length + 1, batch, H), dtype=x.dtype)  # h, c before and after every step
        tanh_c = xp.empty((length, batch, H), dtype=x.dtype)
        hw, ig = xp.empty((4, batch, H), dtype=x.dtype), xp.empty((batch, H), dtype=x.dtype)
        first = length if reverse else 0
        states[0, first], states[1, first] = h0, c0
        for t in _steps(length, reverse):
            prev, new = (t + 1, t) if reverse else (t, t + 1)
            gates = acts[:, t]  # (4, N, H)
            gates += xp.matmul(states[0, prev], w_h, out=hw)
            xp.tanh(gates, out=gates)
            sig = acts[:3, t]
            sig *= 0.5
            sig += 0.5  # now sigmoid(z) on o, i, f and tanh(z) on g
            o, i, f, g = gates
            c = xp.multiply(f, states[1, prev], out=states[1, new])
            c += xp.multiply(i, g, out=ig)  # c_t = f c_{t-1} + i g
            xp.multiply(o, xp.tanh(c, out=tanh_c[t]), out=states[0, new])  # h_t = o tanh(c_t)
        ctx.reverse = reverse
        out = states[:, :length] if reverse else states[:, 1:]  # (2, L, N, H), a view of states
        ctx.save_for_backward(x1, w_ih, w_hh, acts, tanh_c, states, out)  # out: so that changing it in place is caught
        return out

    def backward(ctx, grad):
        _no_double_backward("LSTM", grad)
        x1, w_ih, w_hh, acts, tanh_c, states, _ = ctx.saved_tensors
        length, batch, H = tanh_c.shape
        xp = get_array_module(acts)
        w_h = _gate_major(w_hh)  # (4, H, H): dh = sum over gates of dz_gate @ W_hh,gate
        d_z = xp.empty_like(acts)  # dL/dz, (4, L, N, H)
        dh, dc = xp.zeros((batch, H), dtype=acts.dtype), xp.zeros((batch, H), dtype=acts.dtype)
        tmp, dh4 = xp.empty((batch, H), dtype=acts.dtype), xp.empty((4, batch, H), dtype=acts.dtype)
        for t in _steps(length, not ctx.reverse):  # back in time
            prev = t + 1 if ctx.reverse else t
            a, d, tc = acts[:, t], d_z[:, t], tanh_c[t]
            o, i, f, g = a
            d_o, d_i, d_f, d_g = d
            dh += grad[0, t]
            dc += grad[1, t]
            xp.multiply(tc, tc, out=tmp)
            xp.subtract(1, tmp, out=tmp)
            tmp *= o
            tmp *= dh
            dc += tmp  # h_t = o tanh(c_t): dc += dh o (1 - tanh(c_t)^2)
            xp.subtract(1, a[:3], out=d[:3])
            d[:3] *= a[:3]  # sigmoid' = s (1 - s) on o, i, f
            xp.multiply(g, g, out=d_g)
            xp.subtract(1, d_g, out=d_g)  # tanh' = 1 - g^2
            d_o *= tc
            d_o *= dh  # dz_o = dh tanh(c_t) o'
            d[1::2] *= a[3:0:-2]  # dz_i *= g, dz_g *= i
            d_f *= states[1, prev]  # dz_f *= c_{t-1}
            d[1:] *= dc  # dz_i, dz_f, dz_g: times dc
            dc *= f  # what c_{t-1} sent into c_t
            xp.sum(xp.matmul(d, w_h, out=dh4), axis=0, out=dh)  # what h_{t-1} sent into z_t
        need_x, need_h0, need_c0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = ctx.needs_input_grad
        flat = d_z.reshape(4, length * batch, H)
        flat_t = flat.transpose(0, 2, 1)  # (4, H, L*N)
        dx = xp.matmul(flat, _gate_major(w_ih)).sum(axis=0).reshape(length, batch, -1) if need_x else None
        dw_x = _from_gate_major(xp.matmul(flat_t, x1))  # (4H, I+1): dW_ih, then the bias gradient
        h_prev = (states[0, 1:] if ctx.reverse else states[0, :length]).reshape(-1, H)  # (L*N, H)
        dw_hh = _from_gate_major(xp.matmul(flat_t, h_prev)) if need_w_hh else None
        db = dw_x[:, -1]
        return (dx, dh if need_h0 else None, dc if need_c0 else None, dw_x[:, :-1] if need_w_ih else None,
                dw_hh, db if need_b_ih else None, db.copy() if need_b_hh else None)


ORDER = [3, 0, 1, 2]  # PyTorch's gates i, f, g, o -> o, i, f, g inside LSTMLayer


def _gate_major(w):
    """(4H, K) in PyTorch's gate order -> (4, H, K) in ORDER, contiguous."""
    return w.reshape(4, -1, w.shape[-1])[ORDER]


def _transposed(w):
    """(G, H, K) -> (G, K, H), row-major (OpenBLAS is slower on a transposed right operand)."""
    return by_input.ascontiguousarray(w.transpose(0, 2, 1))


def _from_gate_major(m):
    """(4, H, K) in ORDER -> (4H, K) in PyTorch's order."""
    out = by_input.empty_like(m)
    out[ORDER] = m
    return out.reshape(-1, m.shape[-1])


def _with_ones(x):
    """(L, N, I) -> (L*N, I+1): the rows of x with a 1 appended (for the bias)."""
    x1 = get_array_module(x).empty((x.shape[0] * x.shape[1], x.shape[2] + 1), dtype=x.dtype)
    x1[:, :-1] = x.reshape(-1, x.shape[2])
    x1[:, -1] = 1
    return x1


def _with_bias(w, *biases):
    """[w | b_ih + b_hh] (G*H, I+1): the weight with the summed biases as its last column."""
    b = sum(b for b in biases if b is not None)
    xp = get_array_module(w)
    column = xp.broadcast_to(xp.asarray(b, dtype=w.dtype), w.shape[:1])[:, None]  # (G*H, 1)
    return xp.concatenate([w, column], axis=1)


class GRULayer(Function):
    """GRU over a sequence. Output (L, N, H).

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}
    """

    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        xw = _project(x, w_ih, b_ih)  # (L, N, 3H)
        length, batch, three_h = xw.shape
        H = three_h // 3
        w_hh_t = w_hh.T  # (H, 3H)
        acts = ctx.xp.empty_like(xw)  # r, z, n after their nonlinearities
        hn = ctx.xp.empty((length, batch, H), dtype=xw.dtype)  # h W_hn^T + b_hn, needed by backward
        hs = ctx.xp.empty((length, batch, H), dtype=xw.dtype)
        h = h0
        for t in _steps(length, reverse):
            hw = h @ w_hh_t  # (N, 3H)
            if b_hh is not None:
                hw += b_hh
            gates = acts[t]
            gates[:, :2 * H] = _sigmoid(xw[t, :, :2 * H] + hw[:, :2 * H])  # r, z
            r, z = gates[:, :H], gates[:, H:2 * H]
            hn[t] = hw[:, 2 * H:]
            ctx.xp.tanh(xw[t, :, 2 * H:] + r * hn[t], out=gates[:, 2 * H:])  # n
            h = gates[:, 2 * H:] + z * (h - gates[:, 2 * H:])  # (1 - z) n + z h
            hs[t] = h
        ctx.reverse = reverse
        ctx.save_for_backward(x, h0, w_ih, w_hh, acts, hn, hs)
        return hs

    def backward(ctx, grad):
        _no_double_backward("GRU", grad)
        x, h0, w_ih, w_hh, acts, hn, hs = ctx.saved_tensors
        H = h0.shape[-1]
        h_prev_all = _previous(hs, h0, ctx.reverse)
        d_xw = by_input.empty_like(acts)  # gradient of x W_ih^T + b_ih
        d_hw = by_input.empty_like(acts)  # gradient of h W_hh^T + b_hh
        dh = by_input.zeros_like(h0)
        for t in _steps(len(acts), not ctx.reverse):  # back in time
            gates = acts[t]
            r, z, n = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:]
            dh = dh + grad[t]
            d_n = dh * (1 - z) * (1 - n * n)  # through tanh, to n's pre-activation
            d_r = d_n * hn[t] * r * (1 - r)
            d_zz = dh * (h_prev_all[t] - n) * z * (1 - z)
            d_xw[t, :, :H], d_xw[t, :, H:2 * H], d_xw[t, :, 2 * H:] = d_r, d_zz, d_n
            d_hw[t, :, :H], d_hw[t, :, H:2 * H], d_hw[t, :, 2 * H:] = d_r, d_zz, d_n * r
            dh = dh * z + d_hw[t] @ w_hh  # h_{t-1} feeds h_t directly and through h W_hh^T
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(ctx, d_xw, d_hw, x, h_prev_all, w_ih)
        return dx, dh, dw_ih, dw_hh, db_ih, db_hh
