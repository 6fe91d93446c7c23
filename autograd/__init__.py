"""autograd: a reverse-mode automatic differentiation engine on numpy, built to be watched.

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])

What is where: graph.py (the DAG and the backward walk), function.py (Function and the op
table), ops/ (one Function per primitive, registered under its class), tensor.py (Tensor),
inplace.py (in-place changes and views), custom.py (PyTorch-style custom Functions),
creation.py, random.py, dtypes.py, devices.py, functions.py (the ag.* functions made from the
op table), namespaces.py (torch's names: ag.autograd, ag.nn, ag.utils.data...), func.py (torch.func), linalg.py, special.py,
scalar.py (Value), gradcheck.py, files.py, threads.py (BLAS threads: 1 unless the user chose),
viz/ (drawing and step-through), distributed/ (torch.distributed's collectives, on MPI), sharing.py
(share_memory_) and multiprocessing.py (torch.multiprocessing).
"""
import math as _math

from . import backend
from .dtypes import (
    bfloat16, bool, bool_, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16, int32, int64,
    long, set_default_dtype, short, uint8,
)
from .devices import accelerator, backends, cuda, device, get_default_device, set_default_device
from .function import Function, NonDifferentiable, Rule, ShapeError, register
from .graph import (
    AccumulateGrad, BackwardStep, Node, backward_steps, detect_anomaly, enable_grad, grad, inference_mode,
    is_anomaly_check_nan_enabled, is_anomaly_enabled, is_grad_enabled, no_grad, record_ops, set_grad_enabled, topological_order, watch_ops,
)
from .tensor import Tensor, increment_version
from .scalar import Value
from . import ops  # noqa: E402  (fills the op table: Tensor methods, operators, Value's methods)
from .functions import *  # noqa: E402,F401,F403  (ag.exp, ag.sum, ag.cat, ...: one per registered op)
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like, normal, rand,
    rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like, from_array, storage,
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)
from .creation import inclusive_range as range  # torch.range (deprecated there: end included) # noqa: A001
from .storages import TypedStorage
from .random import Generator, default_generator, get_rng, get_rng_state, manual_seed, set_rng_state
from .printing import set_printoptions
from .gradcheck import GradcheckError, gradcheck
from .ops.reduce import return_types
from .ops.sparse import sparse_coo, strided  # (torch.sparse_coo_tensor, Tensor.to_sparse: ops/sparse.py)
from . import linalg, special
from .linalg import matrix_exp  # (torch.matrix_exp, torch.linalg.matrix_exp)
from .ops.decompositions import legacy_svd as svd  # (torch.svd: (U, S, V); linalg.svd gives Vh)
from .ops.special import polygamma  # (torch.polygamma(n, x): n first, so not made by functions.py)
from .namespaces import Size, autograd, compile, upper, utils  # noqa: A004  (torch.compile)
from . import func  # torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call
from .func import vmap  # torch.vmap is torch.func.vmap
from . import amp  # torch.amp: GradScaler, and autocast's disabled forms
from .amp import autocast
from . import distributed  # torch.distributed's names (MPI is imported only by init_process_group)
from .threads import apply_policy as _apply_blas_policy, get_num_threads, set_num_threads

_apply_blas_policy()  # 1 BLAS thread unless the user chose (SEEGRAD_BLAS_THREADS; see threads.py)


def is_tensor(obj):
    """True for a Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of a tensor (torch.numel)."""
    return input.numel()


def __getattr__(name):  # ag.viz (loads graphviz), ag.distributions, ag.multiprocessing, ag.nn, ag.optim, ag.save/load:
    if name in ("viz", "distributions", "multiprocessing"):  # (on first use)
        import importlib

        return importlib.import_module("." + name, __name__)
    if name in ("nn", "optim"):
        module = globals()[name] = upper(name)
        return module
    if name in ("save", "load"):  # torch.save / torch.load: nn.save's safe .npz files (not pickle)
        return getattr(upper("nn"), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__version__ = "0.1.0"

# torch's constants (torch.nan, torch.inf, torch.pi, torch.e, torch.newaxis), as plain Python values like PyTorch's
nan, inf, pi, e, newaxis = _math.nan, _math.inf, _math.pi, _math.e, None
