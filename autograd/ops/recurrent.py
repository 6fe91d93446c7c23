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

    Speed: the loop does only what depends on the previous step; the rest runs on all steps
    at once. One tanh gives all four gates: sigmoid(z) = (1 + tanh(z/2)) / 2, so with
    ``half`` = 1/2 on the i, f, o columns and 1 on g's, gates = tanh(z * half) * half + (1 - half),
    and the z * half is folded into the weights and the projected inputs before the loop.
    """

    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
        xw = _project(x, w_ih, b_ih, b_hh)  # (L, N, 4H)
        length, batch, four_h = xw.shape
        H = four_h // 4
        half = ctx.xp.ones(four_h, dtype=xw.dtype)
        half[:2 * H] = half[3 * H:] = 0.5  # 1/2 on i, f, o; 1 on g
        xw *= half
        w_hh_t = w_hh.T * half  # (H, 4H)
        rest = 1 - half
        acts = ctx.xp.empty_like(xw)  # i, f, g, o after their nonlinearities
        out = ctx.xp.empty((2, length, batch, H), dtype=xw.dtype)  # h_t for all t, then c_t
        tanh_c = ctx.xp.empty((length, batch, H), dtype=xw.dtype)
        h, c = h0, c0
        for t in _steps(length, reverse):
            gates = acts[t]
            ctx.xp.matmul(h, w_hh_t, out=gates)
            gates += xw[t]
            ctx.xp.tanh(gates, out=gates)
            gates *= half
            gates += rest  # now sigmoid(z) on i, f, o and tanh(z) on g
            i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
            c = ctx.xp.multiply(f, c, out=out[1, t])
            c += i * g  # c_t = f c_{t-1} + i g
            ctx.xp.tanh(c, out=tanh_c[t])
            h = ctx.xp.multiply(o, tanh_c[t], out=out[0, t])  # h_t = o tanh(c_t)
        ctx.reverse = reverse
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, acts, tanh_c, out)
        return out

    def backward(ctx, grad):
        _no_double_backward("LSTM", grad)
        x, h0, c0, w_ih, w_hh, acts, tanh_c, out = ctx.saved_tensors
        H = h0.shape[-1]
        length, batch = acts.shape[:2]
        i, f, g, o = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:3 * H], acts[..., 3 * H:]
        # dz_t = [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2), dh tanh(c_t) o(1-o)] for i, f, g, o:
        # every factor but dc and dh is known now, so it is computed for all steps at once.
        d_z = by_input.subtract(1, acts)
        d_z *= acts  # sigmoid' = s(1 - s) on i, f, o
        d_z[..., 2 * H:3 * H] = 1 - g * g  # tanh' = 1 - tanh^2 on g
        d_z[..., :H] *= g
        d_z[..., H:2 * H] *= _previous(out[1], c0, ctx.reverse)  # c_{t-1}
        d_z[..., 2 * H:3 * H] *= i
        d_z[..., 3 * H:] *= tanh_c
        dh_to_dc = tanh_c * tanh_c
        by_input.subtract(1, dh_to_dc, out=dh_to_dc)
        dh_to_dc *= o  # dh/dc = o (1 - tanh(c)^2), as h = o tanh(c)
        dh, dc = by_input.zeros_like(h0), by_input.zeros_like(c0)
        for t in _steps(length, not ctx.reverse):  # back in time
            dh += grad[0, t]
            dc += grad[1, t]
            dc += dh * dh_to_dc[t]
            dz = d_z[t]  # (N, 4H)
            dz_ifg = dz[:, :3 * H].reshape(batch, 3, H)  # a view: i, f, g side by side
            dz_ifg *= dc[:, None, :]
            dz[:, 3 * H:] *= dh
            dc *= f[t]  # what c_{t-1} sent into c_t
            dh = dz @ w_hh  # what h_{t-1} sent into z_t
        h_prev = _previous(out[0], h0, ctx.reverse)
        dx, dw_ih, dw_hh, db_ih, db_hh = _weight_grads(ctx, d_z, d_z, x, h_prev, w_ih)
        return dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh


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
