"""Sparse COO matrices, the part of torch.sparse that graph code (pytorch/examples' gcn) uses: a dense tensor's
nonzeros ``t.to_sparse()``, ``torch.sparse_coo_tensor(indices, values, size)``, the product of a sparse matrix
and a dense one (``sparse @ dense``, ``dense @ sparse``, ``torch.mm``, ``torch.spmm``, ``torch.matmul``; a
dense result whose gradient reaches the dense factor), ``dense + sparse`` (dense, as PyTorch) and
``to_dense()``; and the gradient of ``nn.Embedding(sparse=True)``'s weight: a hybrid tensor (sparse_dim 1,
dense_dim 1: one index per row, each value a row), which the engine adds up with other gradients (sparse +
sparse stays sparse, sparse + dense is dense, as PyTorch's) and SparseAdam, SGD and Adagrad read. What those
optimizers do with it is PyTorch's CPU arithmetic, to the bit: sparse + sparse merges the two index lists
(``sparse_add``), ``dense.add_(sparse, alpha)`` adds entry by entry, each a fused multiply-add (``add_sparse_into``,
``_fma``), ``sparse.mul_(number)`` scales the values.

A ``SparseTensor`` is not a Tensor: anything else asked of it (elementwise ops, indexing, a gradient for its
values, a product with a hybrid tensor) is refused with an error naming what is missing,
rather than computed as if it were dense (PyTorch's results there are sparse).
"""
from ..backend import host
from ..dtypes import int64
from ..function import Function, Rule, register
from ..graph import Variable, _handed_out, is_grad_enabled
from ..node_names import node_name
from ..tensor import Tensor
from .args import as_tensor


class Layout:
    """torch.layout: ``torch.strided`` (a dense tensor's) or ``torch.sparse_coo``."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


strided, sparse_coo = Layout("strided"), Layout("sparse_coo")
Tensor.layout = property(lambda self: strided, doc="torch.strided: every tensor here is dense (see SparseTensor)")
Tensor.is_sparse = property(lambda self: False, doc="False: a dense tensor (to_sparse() gives a SparseTensor)")


def _refuse(what):
    raise NotImplementedError(f"{what} is not supported for a sparse COO tensor here (only to_dense(), coalesce(), "
                              "indices()/values(), sparse @ dense, dense @ sparse, dense + sparse, sparse + sparse, "
                              "dense.add_(sparse), sparse.add/add_(sparse) and sparse.mul_(number) are); "
                              "call .to_dense() first")


class SparseTensor:
    """A sparse COO tensor (torch.sparse_coo layout): ``_indices()`` (sparse_dim, nnz) int64, ``_values()``
    (nnz, *dense dims), ``size`` (the sparse dims, then the dense ones). Uncoalesced (repeated or unsorted
    indices, which add up) until ``coalesce()``."""

    is_sparse = True
    layout = sparse_coo
    requires_grad = False
    grad_fn = None
    _data = None  # (no dense storage: the engine's test for a dense .grad to add into in place says no)
    __array_ufunc__ = None  # (an array + a SparseTensor: numpy leaves it to __radd__)

    def __init__(self, indices, values, size, coalesced):
        self._idx, self._vals, self._size, self._coalesced = indices, values, tuple(int(n) for n in size), coalesced

    # what it is
    @property
    def shape(self):
        from ..tensor import Size  # noqa: PLC0415

        return Size(self._size)

    def size(self, dim=None):
        return self.shape if dim is None else self._size[dim]

    def dim(self):
        return len(self._size)

    ndim = property(dim)

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    def sparse_dim(self):
        return int(self._idx.shape[0])

    def dense_dim(self):
        return len(self._size) - self.sparse_dim()

    def _nnz(self):
        return int(self._idx.shape[1])

    def is_coalesced(self):
        return self._coalesced

    def _indices(self):
        return Tensor._make(self._idx)

    def _values(self):
        return self._vals

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return Tensor._make(self._idx)

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    # conversions
    def coalesce(self):
        """Indices sorted (row-major) and unique, the values of repeated ones added up."""
        if self._coalesced:
            return self
        sparse_size = self._size[:self.sparse_dim()]
        flat = host.ravel_multi_index(tuple(self._idx), sparse_size) if self._idx.size else host.zeros(0, int64)
        unique, inverse = host.unique(flat, return_inverse=True)
        values = host.zeros((len(unique),) + self._size[self.sparse_dim():], dtype=self._vals.dtype)
        host.add.at(values, inverse.reshape(-1), self._vals._data)
        indices = host.array(host.unravel_index(unique, sparse_size), dtype=int64).reshape(len(sparse_size), -1)
        return SparseTensor(indices, Tensor._make(values), self._size, True)

    def to_dense(self, dtype=None):
        out = host.zeros(self._size, dtype=self._vals.dtype)
        host.add.at(out, tuple(self._idx), self._vals._data)  # (repeated indices add up)
        dense = Tensor._make(out)
        return dense if dtype is None else dense.to(dtype)

    def to_sparse(self):
        return self

    def to(self, *args, **kwargs):
        """On the CPU, where it is: ``to("cpu")`` / ``to(torch.device("cpu"))`` give it back; anything else is refused."""
        for target in list(args) + list(kwargs.values()):
            if target is not None and not isinstance(target, bool) and not str(target).startswith("cpu"):
                _refuse(f"to({target})")
        return self

    def cpu(self):
        return self

    def detach(self):
        return self

    def clone(self):
        return SparseTensor(self._idx.copy(), Tensor._make(self._vals._data.copy()), self._size, self._coalesced)

    def requires_grad_(self, requires_grad=True):
        if requires_grad:
            _refuse("requires_grad_(True) (a gradient for the values)")
        return self

    def zero_(self):
        """No entries left (PyTorch's sparse zero_: nnz 0, coalesced), as zero_grad(set_to_none=False) does."""
        self._idx = host.zeros((self.sparse_dim(), 0), dtype=int64)
        self._vals = Tensor._make(host.zeros((0,) + self._size[self.sparse_dim():], dtype=self._vals._data.dtype))
        self._coalesced = True
        return self

    def __neg__(self):
        return SparseTensor(self._idx, Tensor._make(-self._vals._data), self._size, self._coalesced)

    def numpy(self):
        raise TypeError("can't convert a sparse tensor to numpy: call .to_dense() first (as PyTorch asks)")

    # products and sums
    def __matmul__(self, other):
        return mm(self, other)

    def __rmatmul__(self, other):
        return mm(other, self)

    def __radd__(self, other):  # dense + sparse: dense, as PyTorch
        if isinstance(other, Tensor):
            return other + self.to_dense()
        if type(other) is host.ndarray and other.shape == self._size:  # (the engine adding up gradients)
            return other + self.to_dense()._data
        return NotImplemented

    def __add__(self, other):
        """sparse + sparse, as PyTorch's (``sparse_add``): the two index lists merged, equal heads added up;
        coalesced when both are."""
        if isinstance(other, SparseTensor):
            if other._size != self._size or other.sparse_dim() != self.sparse_dim():
                raise RuntimeError(f"add: expected sparse tensors of one size and sparse_dim, got {self._size} "
                                   f"({self.sparse_dim()}) and {other._size} ({other.sparse_dim()})")
            if other.dtype != self.dtype:
                _refuse(f"sparse ({self.dtype}) + sparse ({other.dtype})")
            return sparse_add(self, other)  # (PyTorch's merge of the two index lists)
        if type(other) is host.ndarray and other.shape == self._size:  # (the engine adding up gradients)
            return self.to_dense()._data + other
        if isinstance(other, Tensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        _refuse("sparse + " + type(other).__name__)

    def add(self, other, *, alpha=1):
        """sparse.add(sparse, alpha=alpha): PyTorch's merge (``sparse_add``); a dense other is refused, as PyTorch's."""
        if not isinstance(other, SparseTensor):
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        if other._size != self._size or other.sparse_dim() != self.sparse_dim() or other.dtype != self.dtype:
            raise RuntimeError(f"add: expected sparse tensors of one size, sparse_dim and dtype, got {self._size} "
                               f"({self.sparse_dim()}, {self.dtype}) and {other._size} ({other.sparse_dim()}, "
                               f"{other.dtype})")
        return sparse_add(self, other, alpha)

    def add_(self, other, *, alpha=1):
        """In place: this tensor becomes ``self.add(other, alpha=alpha)`` (its entries replaced, as PyTorch's)."""
        total = self.add(other, alpha=alpha)
        self._idx, self._vals, self._coalesced = total._idx, total._vals, total._coalesced
        return self

    def mul_(self, value):
        """In place, by a number: the values scaled (in their dtype), the indices as they are."""
        if isinstance(value, (Tensor, SparseTensor, bool)) or not isinstance(value, (int, float, host.number)):
            _refuse(f"mul_({type(value).__name__})")
        self._vals._data *= self._vals._data.dtype.type(value)
        return self

    def t(self):
        if len(self._size) != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {len(self._size)}D")
        if self.dense_dim():
            _refuse("t() of a hybrid tensor")
        return SparseTensor(self._idx[::-1].copy(), self._vals, self._size[::-1], False)

    def __getattr__(self, name):
        raise AttributeError(f"{name!r} is not supported for a sparse COO tensor here (only to_dense(), coalesce(), "
                             "indices()/values(), sparse @ dense, dense @ sparse, dense + sparse, sparse + sparse, "
                             "dense.add_(sparse), sparse.add/add_(sparse) and sparse.mul_(number) are); call "
                             ".to_dense() first")

    def __repr__(self):
        inner = repr(Tensor._make(self._idx)).replace("\n", "\n" + " " * len("tensor(indices="))
        values = repr(self._vals).replace("\n", "\n" + " " * len("       values="))
        return (f"tensor(indices={inner},\n       values={values},\n       size={self._size}, nnz={self._nnz()}, "
                f"layout=torch.sparse_coo)")


# ------------------------------------------------------------------ PyTorch's CPU sparse arithmetic, to the bit
# (what optimizers do with a sparse gradient: SGD's sparse momentum buffer, Adagrad's sparse update)


def _two_sum(a, b):
    """(s, e): s = a + b rounded, e its exact error (Knuth: s + e == a + b exactly)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s, e):
    """s + e (s = RN(s + e), e exact) rounded to odd: s where exact, else the neighbour of s with an odd last bit."""
    inexact = (e != 0) & host.isfinite(e)
    even = (s.view(host.int64) & 1) == 0
    return host.where(inexact & even, host.nextafter(s, host.where(e > 0, host.inf, -host.inf)), s)


def _fma(a, x, y):
    """``y + a * x`` rounded once (a fused multiply-add), elementwise, in x's dtype: what PyTorch's CPU kernels
    compute for ``y.add_(x, alpha=a)`` (the vectorised kernel, BLAS axpy), ``a`` first cast to the dtype.

    float32 (float16): the product is exact in float64, the float64 sum is rounded to odd, and rounding that to the
    dtype is the one correct rounding. float64: Dekker's exact product and Knuth's exact sums give the result as
    r + tail, the tail rounded to odd; r + tail rounded is the fused result (Boldo & Melquiond's argument)."""
    dtype = x.dtype
    a = dtype.type(a)
    if dtype.itemsize <= 4:
        product = host.float64(a) * x.astype(host.float64)
        s, e = _two_sum(product, y.astype(host.float64))
        return _round_to_odd(s, e).astype(dtype)
    split = 134217729.0  # 2**27 + 1
    c = split * a
    ah = c - (c - a)
    al = a - ah
    c = split * x
    xh = c - (c - x)
    xl = x - xh
    uh = a * x
    ul = ((ah * xh - uh) + ah * xl + al * xh) + al * xl  # uh + ul == a * x exactly
    s1, e1 = _two_sum(uh, y)
    s2, e2 = _two_sum(e1, ul)  # a * x + y == s1 + s2 + e2 exactly
    r, e3 = _two_sum(s1, s2)  # == r + e3 + e2
    out = r + _round_to_odd(*_two_sum(e3, e2))
    return host.where(host.isfinite(uh) & host.isfinite(y), out, uh + y)  # (inf and NaN as the plain sum's)


def _flat_keys(indices, size):
    """Each entry's position in row-major order of the sparse dims (PyTorch compares indices dim by dim)."""
    if indices.shape[1] == 0:
        return host.zeros(0, dtype=int64)
    return host.ravel_multi_index(tuple(indices), size).astype(int64)


def _first_at_least(keys, start, value):
    """The first position >= start whose key is >= value (len(keys) if none): a search in growing windows."""
    n, width = len(keys), 8
    while start < n:
        hits = host.flatnonzero(keys[start:start + width] >= value)
        if hits.size:
            return start + int(hits[0])
        start, width = start + width, width * 4
    return n


def _merge(t_keys, s_keys):
    """PyTorch's merge of two index lists (add_out_sparse_contiguous), sorted or not: at each step the smaller
    head is taken, equal heads are taken together. Returns (nnz, output position of each t entry, of each s
    entry). The loop runs over the shorter list; the longer one is searched."""
    swap = len(s_keys) > len(t_keys)
    long_keys, short_keys = (s_keys, t_keys) if swap else (t_keys, s_keys)
    ks, paired, at = [], [], 0
    for v in short_keys.tolist():
        k = _first_at_least(long_keys, at, v)
        match = k < len(long_keys) and long_keys[k] == v
        ks.append(k)
        paired.append(match)
        at = k + 1 if match else k
    ks, paired = host.array(ks, dtype=int64), host.array(paired, dtype=bool)
    alone = ks[~paired]  # each unpaired short entry comes just before long entry k (after any paired there)
    long_pos = host.arange(len(long_keys)) + host.searchsorted(alone, host.arange(len(long_keys)), side="right")
    short_pos = host.empty(len(short_keys), dtype=int64)
    short_pos[~paired] = alone + host.arange(len(alone))
    short_pos[paired] = long_pos[ks[paired]]
    nnz = len(long_keys) + len(alone)
    return (nnz, short_pos, long_pos) if swap else (nnz, long_pos, short_pos)


def sparse_add(t, s, alpha=1):
    """``t.add(s, alpha=alpha)`` for two sparse COO tensors, as PyTorch's CPU kernel: an operand with no entries
    gives the other (``alpha * s``); else the two index lists merged (``_merge``), each output entry 0 + t_i, then
    + alpha * s_j fused; coalesced when both are."""
    if s._nnz() == 0:
        return SparseTensor(t._idx.copy(), Tensor._make(t._vals._data.copy()), t._size, t._coalesced)
    if t._nnz() == 0:
        values = s._vals._data * s._vals._data.dtype.type(alpha)
        return SparseTensor(s._idx.copy(), Tensor._make(values), s._size, s._coalesced)
    sparse_size = t._size[:t.sparse_dim()]
    nnz, t_pos, s_pos = _merge(_flat_keys(t._idx, sparse_size), _flat_keys(s._idx, sparse_size))
    indices = host.empty((t.sparse_dim(), nnz), dtype=int64)
    indices[:, t_pos], indices[:, s_pos] = t._idx, s._idx
    tv, sv = t._vals._data, s._vals._data
    values = host.zeros((nnz,) + tv.shape[1:], dtype=tv.dtype)
    values[t_pos] = values[t_pos] + tv
    values[s_pos] = _fma(alpha, sv, values[s_pos])
    return SparseTensor(indices, Tensor._make(values), t._size, t._coalesced and s._coalesced)


SEQUENTIAL_LIMIT = 16  # a row repeated more often than this in one dense.add_(sparse) is summed first (see below)


def add_sparse_into(dense, sparse, alpha=1):
    """``dense.add_(sparse, alpha=alpha)`` on a host array, as PyTorch's CPU kernel: entry by entry in the order
    stored (a repeated index is added again, not summed first), each ``dense[i] + alpha * v`` fused; a coalesced
    tensor of single numbers (dense_dim 0) goes through PyTorch's scalar loop, a product then a sum.

    One numpy step per repetition: an index repeated more than SEQUENTIAL_LIMIT times (SGD's sparse momentum
    buffer grows by each step's entries, as PyTorch's: a frequent row is repeated once per step) has its entries
    summed in float64 in the order stored, then added once: the result agrees with PyTorch's to rounding (a few
    ulps), not to the bit, and a step costs a few numpy calls instead of one per repetition."""
    if sparse._nnz() == 0:
        return dense
    sparse_dim = sparse.sparse_dim()
    keys = _flat_keys(sparse._idx, sparse._size[:sparse_dim])
    if not dense.flags.c_contiguous:  # (a parameter's storage is contiguous; anything else: a copy written back)
        dense[...] = add_sparse_into(host.ascontiguousarray(dense), sparse, alpha)
        return dense
    flat = dense.reshape((-1,) + dense.shape[sparse_dim:])  # (a view)
    values = sparse._vals._data
    order = host.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = host.flatnonzero(host.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    rank = host.empty(len(keys), dtype=int64)
    rank[order] = host.arange(len(keys)) - host.repeat(starts, host.diff(host.r_[starts, len(keys)]))
    if sparse.dense_dim() == 0 and (sparse._coalesced or len(keys) == 1):  # (PyTorch's scalar loop: not fused)
        flat[keys] = flat[keys] + values.dtype.type(alpha) * values
        return dense
    counts = host.bincount(keys)
    many = counts[keys] > SEQUENTIAL_LIMIT
    if many.any():  # (rows repeated more than SEQUENTIAL_LIMIT times: summed in float64 first, then added once)
        heavy = host.unique(keys[many])
        total = host.zeros((len(heavy),) + flat.shape[1:], dtype=host.float64)
        host.add.at(total, host.searchsorted(heavy, keys[many]), values[many].astype(host.float64))
        flat[heavy] = (flat[heavy].astype(host.float64) + float(values.dtype.type(alpha)) * total).astype(flat.dtype)
        keys, values, rank = keys[~many], values[~many], rank[~many]
        if not len(keys):
            return dense
    by_rank = host.argsort(rank, kind="stable")  # the first entry of each index, then the second...
    bounds = host.r_[0, host.cumsum(host.bincount(rank))].tolist()
    keys, values = keys[by_rank], values[by_rank]
    for start, stop in zip(bounds, bounds[1:]):  # the r-th entries: unique indices, so one vector step
        rows = keys[start:stop]
        flat[rows] = _fma(alpha, values[start:stop], flat[rows])
    return dense


def _sparse_times_dense(sparse, dense, op):
    dense = as_tensor(dense)
    if sparse.dense_dim():
        _refuse(f"{op} with a hybrid tensor (dense_dim {sparse.dense_dim()})")
    if sparse.dim() != 2 or dense.ndim != 2:
        raise RuntimeError(f"{op}: a sparse COO matrix times a dense one needs two 2-D tensors, got "
                           f"{sparse.dim()}-D sparse and {dense.ndim}-D dense")
    if sparse.size(1) != dense.shape[0]:
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied ({sparse.size(0)}x{sparse.size(1)} "
                           f"and {dense.shape[0]}x{dense.shape[1]})")
    if sparse.dtype != dense.dtype:
        raise RuntimeError(f"{op}: expected the sparse and dense tensors to have the same dtype, got "
                           f"{sparse.dtype} and {dense.dtype}")
    if type(dense._data) is not host.ndarray:
        _refuse(f"{op} on {dense.device}")
    return _SparseMM.apply(dense, sparse._idx, sparse._vals._data, sparse.size(0))


class _SparseMM(Function):
    """sparse (n, k) @ dense (k, m) -> dense (n, m): out[r] += v * dense[c] for each entry (r, c, v) (repeated
    entries add up); the dense factor's gradient is sparse.T @ grad."""

    rule = Rule("out = S @ D (S sparse: entries (r, c, v))", ("d/dD = S^T G",),
                "Each entry (r, c, v) sends v times row r of the gradient to row c of D.", ("dense",))
    name = node_name("MmBackward0")

    @property
    def next_functions(self):  # PyTorch's MmBackward0: the sparse factor (no gradient) first, then the dense one
        return (None, 0), (_handed_out(self._edges[0]), 0)

    def forward(ctx, dense, indices, values, n_rows):
        ctx.indices, ctx.values, ctx.k = indices, values, dense.shape[0]
        out = host.zeros((n_rows, dense.shape[1]), dtype=dense.dtype)
        host.add.at(out, indices[0], values[:, None] * dense[indices[1]])
        return out

    def backward(ctx, grad):
        if isinstance(grad, Variable):  # create_graph: S^T @ G as a recorded op of its own (differentiable again)
            return _SparseMM.apply(grad, ctx.indices[::-1], ctx.values, ctx.k), None, None, None
        rows, cols = ctx.indices
        grad_dense = host.zeros((ctx.k, grad.shape[1]), dtype=grad.dtype)
        host.add.at(grad_dense, cols, ctx.values[:, None] * grad[rows])
        return grad_dense, None, None, None


def mm(input, mat2):
    """torch.mm / torch.spmm / torch.matmul / ``@`` with a sparse COO factor: sparse @ dense or dense @ sparse,
    dense results; two dense ones go to matmul."""
    left, right = isinstance(input, SparseTensor), isinstance(mat2, SparseTensor)
    if left and right:
        _refuse("sparse @ sparse (a sparse result)")
    if left:
        return _sparse_times_dense(input, mat2, "mm")
    if right:  # dense @ sparse = (sparse.T @ dense.T).T
        return _sparse_times_dense(mat2.t(), as_tensor(input).t(), "mm").t()
    from .math import matmul  # noqa: PLC0415

    return matmul(input, mat2)


def to_sparse(self, sparse_dim=None, layout=None, blocksize=None, dense_dim=None):
    """The nonzero entries of a dense tensor, as a coalesced sparse COO tensor (Tensor.to_sparse())."""
    if (sparse_dim not in (None, self.ndim) or dense_dim not in (None, 0) or blocksize is not None
            or layout not in (None, sparse_coo)):
        _refuse(f"to_sparse({sparse_dim=}, {layout=}, {blocksize=}, {dense_dim=})")
    if type(self._data) is not host.ndarray:
        _refuse(f"to_sparse on {self.device}")
    if self.requires_grad and is_grad_enabled():
        _refuse("to_sparse of a tensor that requires grad (PyTorch's result carries the gradient back)")
    if self.ndim == 0:
        raise RuntimeError("to_sparse: a 0-d tensor has no sparse COO form here")
    where = host.nonzero(self._data)  # (row-major: sorted, as a coalesced tensor's)
    indices = host.array(where, dtype=int64).reshape(self.ndim, -1)
    return SparseTensor(indices, Tensor._make(self._data[where].copy()), self.shape, True)


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """torch.sparse_coo_tensor: ``values[i]`` at ``indices[:, i]`` of a tensor of ``size`` (inferred from the
    largest indices when not given); repeated indices add up (the tensor is uncoalesced until coalesce())."""
    if requires_grad:
        _refuse("requires_grad=True (a gradient for the values)")
    index = host.array(indices._data if isinstance(indices, Tensor) else indices)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"sparse_coo_tensor: indices must be an int64 tensor, got {index.dtype}")
    index = index.astype(int64)
    if index.ndim != 2:
        raise RuntimeError(f"sparse_coo_tensor: indices must be sparse_dim x nnz, but got: {list(index.shape)}")
    vals = as_tensor(values) if isinstance(values, Tensor) else Tensor._make(host.asarray(
        as_tensor(values)._data))
    if vals.requires_grad and is_grad_enabled():
        _refuse("values that require grad (PyTorch's sparse tensor carries their gradient)")
    if dtype is not None:
        vals = vals.to(dtype)
    if vals.ndim == 0 or vals.shape[0] != index.shape[1]:
        raise RuntimeError(f"sparse_coo_tensor: indices and values must have the same number of entries (nnz), "
                           f"but got {index.shape[1]} indices and values of shape {tuple(vals.shape)}")
    if (index < 0).any():
        raise RuntimeError(f"sparse_coo_tensor: found negative index {int(index.min())} for dim "
                           f"{int(host.nonzero((index < 0).any(1))[0][0])}")
    dense_size = tuple(vals.shape[1:])  # (a hybrid tensor: each value is a block of these dims)
    if size is None:
        size = (tuple(int(m) + 1 for m in index.max(1)) if index.shape[1] else (0,) * index.shape[0]) + dense_size
    size = tuple(int(n) for n in size)
    if len(size) != index.shape[0] + len(dense_size):
        raise RuntimeError(f"number of dimensions must be sparse_dim ({index.shape[0]}) + dense_dim "
                           f"({len(dense_size)}), but got {len(size)}")
    if size[index.shape[0]:] != dense_size:
        raise RuntimeError(f"sparse_coo_tensor: values have the dense shape {list(dense_size)}, but size "
                           f"{list(size)} ends with {list(size[index.shape[0]:])}")
    for dim, (n, top) in enumerate(zip(size, index.max(1) if index.shape[1] else [-1] * len(size))):
        if top >= n:
            raise RuntimeError(f"size is inconsistent with indices: for dim {dim}, size is {n} but found index {top}")
    return SparseTensor(index, vals, size, bool(is_coalesced))


register("to_sparse", to_sparse, function=False)
register("sparse_coo_tensor", sparse_coo_tensor, method=False)
register("spmm", mm, method=False)
