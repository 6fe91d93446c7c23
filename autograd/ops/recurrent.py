"""Fused recurrent layers: one Function runs a whole sequence through an RNN, LSTM or GRU.

The cells in nn/recurrent.py are composites of small ops (a graph you can step through);
a 64-step LSTM built that way records ~20 nodes per step. Like cuDNN, these primitives
run the whole recurrence of one layer and one direction in numpy and write
backpropagation through time by hand:

    forward:  project every time step's input in one matmul  (L*N, I) @ (I, G*H),
              then loop over time doing only the recurrent matmul  h @ W_hh^T  per step
              (LSTM: one matmul a step,  [h | x_t | 1] @ [W_hh | W_ih | b]^T,  see LSTMLayer)
    backward: loop back over time for the gate gradients (one matmul per step),
              then each weight gradient in one matmul over all the steps.

Layout is PyTorch's: x (L, N, I), h0 (N, H), w_ih (G*H, I), w_hh (G*H, H), biases (G*H,)
or None, gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
``reverse=True`` runs the sequence backwards in time (the second direction of a
bidirectional layer); the outputs stay aligned with the inputs. Double backward
(create_graph=True) is not supported here: unroll with the cells for that.
"""
from ..backend import by_input, empty_aligned, get_array_module, host, is_array

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
        w_hh_t = ctx.xp.ascontiguousarray(w_hh.T)  # (OpenBLAS is ~40% slower on a transposed right operand)
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


def lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One LSTM layer, one direction, on Tensors: ``(output (L, N, H), h_n, c_n)``.

    Two ops share one run: LSTMLayer computes the sequence and gives the final states (2, N, H),
    LSTMOutputs gives every h_t (an op has one output). Sliced out of one result instead, each
    slice's gradient is a zero-filled array of the whole result, and the slices' gradients are
    summed: ~1 ms a step at lstm_bench's size, as much as a quarter of the layer's own work above
    its matmuls. Here the gradient of the outputs reaches LSTMLayer through the run
    (``_Run.grad_hs``), and LSTMOutputs sends back a (2, N, H) zero, so that LSTMLayer's
    backward runs whichever of the outputs the loss used."""
    run = _Run()
    ends = LSTMLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse, run=run)
    return LSTMOutputs.apply(ends, run=run), ends[0], ends[1]


class _Run:
    """What LSTMLayer and LSTMOutputs of one call share: the h_t of every step, and their gradient."""

    __slots__ = ("hs", "grad_hs")

    def __init__(self):
        self.hs = self.grad_hs = None


class LSTMOutputs(Function):
    """The h_t of every step (L, N, H) of the LSTMLayer run whose final states are ``ends``."""

    def forward(ctx, ends, run):
        ctx.run = run
        ctx.save_for_backward(run.hs)  # (the output itself: changing it in place is caught)
        return run.hs

    def backward(ctx, grad):
        _no_double_backward("LSTM", grad)
        ctx.saved_tensors  # noqa: B018  (the check that the outputs were not changed in place)
        run = ctx.run
        run.grad_hs = grad if run.grad_hs is None else run.grad_hs + grad
        return get_array_module(grad).zeros((2,) + grad.shape[1:], dtype=grad.dtype)  # LSTMLayer runs either way


class LSTMLayer(Function):
    """LSTM over a sequence. Output (2, N, H): the last h and c; every h_t goes to ``run.hs``
    (see lstm_layer, which gives them as a Tensor through LSTMOutputs).

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of  z = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Speed (benchmarks/lstm_bench.py times these matmuls alone: the floor). Above the matmuls, the
    time goes to numpy calls on (N, H) blocks and to memory traffic: arrays of a whole sequence do
    not fit in the cache, so every block stored in forward and read back costs about as much as
    a numpy call. So the loops do only what depends on the previous (next) step, in few calls on
    whole contiguous blocks, and keep per step only what backward reads:

    - One matmul a step, input included: the row [h_{t-1} | x_t | 1] (N, H+I+1) @ the weights
      [W_hh | W_ih | b_ih + b_hh]^T, gate-major (4, H+I+1, H): one matrix per gate (a batched
      matmul, faster in OpenBLAS than (N, K) @ (K, 4H), and no gate is a strided column slice,
      which numpy runs row by row). The rows of all steps live in one (L+1, N, H+I+1) array, so
      no projection of the whole input is stored and read back, and backward gets dW_hh, dW_ih
      and the biases' gradient together, one matmul per CHUNK steps, each taken while that
      chunk's dz is still in cache (a whole sequence's dz would go to memory and come back).
    - Gates reordered o, i, f, g (``ORDER``): the three sigmoids are one block. One tanh gives all
      four: sigmoid(z) = (1 + tanh(z/2)) / 2, the z/2 folded into the layer's copy of the weights.
    - The weights, the right operands of the matmuls a step makes, start on a 64-byte boundary
      (empty_aligned): OpenBLAS runs these small matmuls ~25% slower on one that does not.
    - Per step, k (6, N, H) holds the gates, then, computed in forward while they are in cache
      from products forward makes anyway, backward's coefficients: o (1 - tanh(c_t)^2) = o - h
      tanh(c_t) (dh -> dc), h (1 - o) (dh -> dz_o), i g (1 - i), f c_{t-1} (1 - f), i - i g g
      (dc -> dz_i, dz_f, dz_g) and f (dc -> dc_{t-1}). Backward is then five numpy calls a step
      besides its matmul.
    """

    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False, run=None):
        xp = ctx.xp
        length, batch, I = x.shape
        H, dtype = h0.shape[-1], x.dtype
        K = H + I + 1
        half = xp.array([0.5, 0.5, 0.5, 1.0], dtype=dtype)[:, None, None]  # tanh(z/2) on o, i, f
        w = _gate_major(_with_bias(xp.concatenate([w_hh, w_ih], axis=1), b_ih, b_hh))  # (4, H, K)
        # (4, K, H), row-major (OpenBLAS is slower on a transposed right operand), on a 64-byte boundary
        w = xp.multiply(w.transpose(0, 2, 1), half, out=empty_aligned(xp, (4, K, H), dtype))
        # xh: the rows [h_{t-1} | x_t | 1] (N, K) that step t multiplies by w, at t + before; h_t goes
        # into row t + after (the row of the next step; the last one is never multiplied)
        before, after = (1, 0) if reverse else (0, 1)
        xh = xp.empty((length + 1, batch, K), dtype=dtype)
        rows = xh[before:before + length]
        rows[:, :, H:-1] = x
        rows[:, :, -1] = 1
        xh[length if reverse else 0, :, :H] = h0
        hs = xp.empty((length, batch, H), dtype=dtype)  # every h_t: the output
        k = xp.empty((length, 6, batch, H), dtype=dtype)  # per step: the gates, then what backward reads
        c_prev, c = xp.empty((batch, H), dtype=dtype), xp.empty((batch, H), dtype=dtype)
        c_prev[...] = c0
        half_t, prods = xp.empty((3, batch, H), dtype=dtype), xp.empty((3, batch, H), dtype=dtype)
        tc, tmp = xp.empty((batch, H), dtype=dtype), xp.empty((batch, H), dtype=dtype)
        h, ig, fc = prods  # o tanh(c_t), i g, f c_{t-1}: each times (1 - its sigmoid) is a coefficient
        mul, sub, tanh, matmul = xp.multiply, xp.subtract, xp.tanh, xp.matmul
        for t in _steps(length, reverse):
            kt = k[t]
            z = matmul(xh[t + before], w, out=kt[1:5])  # z of o, i, f, g: (N, K) @ (4, K, H)
            tanh(z, out=z)
            sig = kt[1::2]  # rows 1, 3, 5
            xp.add(mul(z[:3], 0.5, out=half_t), 0.5, out=sig)  # sigmoid(z) of o, i, f
            o, i, g, f = kt[1], kt[3], kt[4], kt[5]
            c = xp.add(mul(f, c_prev, out=fc), mul(i, g, out=ig), out=c)  # c_t = f c_{t-1} + i g
            mul(o, tanh(c, out=tc), out=h)  # h_t = o tanh(c_t)
            hs[t] = h
            xh[t + after, :, :H] = h
            # backward's coefficients, each written over a row once nothing reads that row any more:
            sub(o, mul(h, tc, out=tmp), out=kt[0])  # o (1 - tanh(c_t)^2) = o - h tanh(c_t): dc += dh kt[0]
            sub(i, mul(ig, g, out=tmp), out=kt[4])  # i (1 - g^2): dz_g = dc kt[4]
            sub(prods, mul(prods, sig, out=half_t), out=kt[1:4])  # h (1 - o), i g (1 - i), f c_{t-1} (1 - f):
            c_prev, c = c, c_prev  # dz_o = dh kt[1], dz_i = dc kt[2], dz_f = dc kt[3]; row 5 keeps f
        ctx.reverse, ctx.run = reverse, run
        ctx.save_for_backward(xh, w_ih, w_hh, k)
        if run is not None:
            run.hs = hs
        ends = xp.empty((2, batch, H), dtype=dtype)
        ends[0], ends[1] = hs[0 if reverse else length - 1], c_prev
        return ends

    def backward(ctx, grad):
        _no_double_backward("LSTM", grad)
        xh, w_ih, w_hh, k = ctx.saved_tensors
        length, _, batch, H = k.shape
        xp = get_array_module(k)
        w_h = _gate_major(w_hh)  # (4, H, H): dh = sum over gates of dz_gate @ W_hh,gate
        need_x, need_h0, need_c0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = ctx.needs_input_grad
        w_x = _gate_major(w_ih) if need_x else None  # (4, H, I): dx = sum over gates of dz_gate @ W_ih,gate
        # dL/dz of o, i, f, g for a chunk of steps: its weight gradients are taken once the chunk is
        # done, while it is in cache (a whole sequence's dz would go to memory and come back)
        n_chunk = min(CHUNK, length)
        d_z = xp.empty((4, n_chunk, batch, H), dtype=k.dtype)
        rows = xh[1:] if ctx.reverse else xh[:length]  # the [h_{t-1} | x_t | 1] of every step
        dw, dw_chunk = None, None
        dx = xp.empty((length, batch, w_ih.shape[1]), dtype=k.dtype) if need_x else None
        run = ctx.run
        grad_hs = run.grad_hs if run is not None else None
        if run is not None:
            run.grad_hs = None  # (taken: a second backward with retain_graph starts afresh)
        dh, dc = grad[0].copy(), grad[1].copy()
        dh4, tmp = xp.empty((4, batch, H), dtype=k.dtype), xp.empty((batch, H), dtype=k.dtype)
        mul, matmul, reduce = xp.multiply, xp.matmul, xp.add.reduce
        for t in _steps(length, not ctx.reverse):  # back in time
            kt, d = k[t], d_z[:, t % CHUNK]
            if grad_hs is not None:
                dh += grad_hs[t]
            dc += mul(dh, kt[0], out=tmp)  # h_t = o tanh(c_t): dc += dh o (1 - tanh(c_t)^2)
            mul(dh, kt[1], out=d[0])  # dz_o
            mul(dc, kt[2:5], out=d[1:])  # dz_i, dz_f, dz_g
            dc *= kt[5]  # what c_{t-1} sent into c_t: dc f
            reduce(matmul(d, w_h, out=dh4), axis=0, out=dh)  # what h_{t-1} sent into z_t
            if t % CHUNK == (CHUNK - 1 if ctx.reverse else 0) or t == (length - 1 if ctx.reverse else 0):
                start = t - t % CHUNK  # the chunk (steps start..start+n-1) is done
                n = min(CHUNK, length - start)
                flat = d_z[:, :n].reshape(4, n * batch, H)
                dw_chunk = matmul(flat.transpose(0, 2, 1), rows[start:start + n].reshape(n * batch, -1), out=dw_chunk)
                if dw is None:
                    dw, dw_chunk = dw_chunk, None
                else:
                    dw += dw_chunk
                if need_x:
                    reduce(matmul(flat, w_x), axis=0, out=dx[start:start + n].reshape(n * batch, -1))
        dw = _from_gate_major(dw)  # (4H, K): dW_hh, dW_ih, then the bias gradient
        db = dw[:, -1]
        return (dx, dh if need_h0 else None, dc if need_c0 else None, dw[:, H:-1] if need_w_ih else None,
                dw[:, :H] if need_w_hh else None, db if need_b_ih else None, db.copy() if need_b_hh else None)


CHUNK = 16  # LSTMLayer's backward takes the weight gradients of this many steps at a time


ORDER = [3, 0, 1, 2]  # PyTorch's gates i, f, g, o -> o, i, f, g inside LSTMLayer


def _gate_major(w):
    """(4H, K) in PyTorch's gate order -> (4, H, K) in ORDER, contiguous, on a 64-byte boundary
    (a matmul's right operand: see empty_aligned)."""
    xp = get_array_module(w)
    gates = w.reshape(4, -1, w.shape[-1])
    return xp.take(gates, ORDER, axis=0, out=empty_aligned(xp, gates.shape, w.dtype))


def _from_gate_major(m):
    """(4, H, K) in ORDER -> (4H, K) in PyTorch's order."""
    out = by_input.empty_like(m)
    out[ORDER] = m
    return out.reshape(-1, m.shape[-1])


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
        w_hh_t = ctx.xp.ascontiguousarray(w_hh.T)  # (H, 3H), row-major: OpenBLAS is ~40% slower on a transposed one
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
