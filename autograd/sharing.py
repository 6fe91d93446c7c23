"""Tensors in shared memory (torch.Tensor.share_memory_, is_shared; torch.multiprocessing's pickling).

A shared tensor's storage is an ndarray over a ``_Block``: a ``MAP_SHARED`` mapping of an anonymous
in-memory file (``memfd_create`` on Linux; elsewhere an unlinked temporary file), whose descriptor
the block keeps open. Why that and not ``multiprocessing.shared_memory.SharedMemory``:
- fork: a MAP_SHARED mapping is inherited by the child as the same memory, with nothing to do;
- spawn (and forkserver, and a Queue between running processes): the block is pickled as its file
  descriptor, which multiprocessing hands to the other process (``reduction.DupFd``: passed with the
  new process at its start, or over a Unix socket by multiprocessing's resource sharer), as
  PyTorch's default "file_descriptor" strategy does; the other process maps the same file;
- lifetime: the kernel frees the memory when the last mapping and descriptor are gone, also when a
  process is killed. A named POSIX segment (SharedMemory) outlives a killed process in /dev/shm,
  and Python's resource tracker unlinks it when the first process that attached exits.
The values, dtype, shape and strides are kept (the block holds the base array's whole span, laid
out as before), the version counter and ``.grad`` are untouched.

PyTorch moves a tensor's whole storage, so every tensor on it is shared afterwards. Here a tensor's
storage is a numpy array, which can't be moved: ``share_memory_`` copies the memory of the tensor's
base (the tensor it is a view of, or itself: sharing a view shares its base's whole storage) into a
block and points at it the tensors it can find there: this one, its base, and the base's views
taken in grad mode (those its version counter tracks). Other aliases made before (``t.data``,
``t.detach()``, ``t.numpy()``, views taken under no_grad) keep the old, unshared memory: call
``share_memory_`` (``model.share_memory()``) before taking them, as programs do.
"""
import ctypes
import mmap
import os
import pickle
import tempfile
import weakref

from .backend import host

__all__ = ["share_memory_", "is_shared", "reduce_tensor", "register"]


class _Block(mmap.mmap):
    """A shared mapping of ``fd`` (kept open: it is what a spawned process is sent), ``len`` bytes."""


def _new_block(nbytes):
    size = max(int(nbytes), 1)  # (mmap refuses 0 bytes; an empty tensor gets one)
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("seegrad-shared", os.MFD_CLOEXEC)
    else:  # an unlinked file: in memory where /dev/shm exists
        with tempfile.TemporaryFile(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as f:
            fd = os.dup(f.fileno())
    try:
        os.ftruncate(fd, size)
        return _mapped(fd, size)
    except BaseException:
        os.close(fd)
        raise


def _mapped(fd, size):
    """A block over the open ``fd`` (which it now owns: closed when the block is collected)."""
    block = _Block(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    block.fd = fd
    block.address = host.frombuffer(block, host.uint8).__array_interface__["data"][0]
    weakref.finalize(block, os.close, fd)
    return block


def _root(array):
    """The object at the bottom of ``array``'s chain of bases: the ndarray that owns the memory, or the
    buffer (a _Block, a memoryview's object...) the memory belongs to."""
    while isinstance(array, host.ndarray) and array.base is not None:
        array = array.base
    return array.obj if isinstance(array, memoryview) else array


def _block_of(array):
    root = _root(array) if type(array) is host.ndarray else None
    return root if isinstance(root, _Block) else None


def _address(array):
    return array.__array_interface__["data"][0]


def is_shared(tensor):
    """Is the tensor's storage in shared memory (torch.Tensor.is_shared)? A device tensor's is not."""
    return _block_of(tensor._data) is not None


def _on(block, lo, array):
    """``array``'s elements as an ndarray over ``block`` (which holds a copy of the memory [lo, ...))."""
    offset = _address(array) - lo if array.size else 0
    moved = host.ndarray(array.shape, array.dtype, buffer=block, offset=offset, strides=array.strides)
    moved.flags.writeable = array.flags.writeable  # (an expanded tensor's array stays read-only: in place refused)
    return moved


def share_memory_(tensor):
    """torch.Tensor.share_memory_: move the tensor's storage into shared memory (a no-op when it is there
    already); returns the tensor. See the module's docstring for which tensors on that storage follow."""
    data = tensor._data
    if type(data) is not host.ndarray:
        raise RuntimeError(f"share_memory_: only available on CPU; this tensor is on {tensor.device} (its storage "
                           "can't be moved into shared memory here: copy it to the CPU first, t.cpu())")
    if _block_of(data) is not None:
        return tensor
    register(type(tensor))
    base = tensor._view[0] if tensor._view is not None else tensor  # (PyTorch shares a view's whole storage)
    if base is not tensor and not _inside(data, base._data):
        base = tensor  # (its base's storage was replaced since the view was taken)
    storage = base._data
    lo, hi = _bounds(storage)
    block = _new_block(hi - lo)
    if hi > lo:
        host.frombuffer(block, host.uint8, count=hi - lo)[...] = _bytes(lo, hi)
    for t in _tensors_on(tensor, base):
        if t is tensor or _inside(t._data, storage):
            t._data = _on(block, lo, t._data)
    return tensor


def _bounds(array):
    """The first byte of ``array``'s memory and the one after its last (an empty array: its address, twice)."""
    if not array.size:
        return _address(array), _address(array)
    return host.lib.array_utils.byte_bounds(array)


def _inside(array, storage):
    """Is ``array`` an unshared numpy array, all of whose elements are in ``storage``'s memory?"""
    if type(array) is not host.ndarray or _block_of(array) is not None or _root(array) is not _root(storage):
        return False
    (lo, hi), (first, last) = _bounds(storage), _bounds(array)
    return lo <= first and last <= hi and (array.size == 0) == (storage.size == 0)


def _bytes(lo, hi):
    """The memory [lo, hi) as a flat uint8 array (read while the array it belongs to is alive)."""
    return host.frombuffer((ctypes.c_uint8 * (hi - lo)).from_address(lo), host.uint8)


def _tensors_on(tensor, base):
    """This tensor, its base (the tensor it is a view of, or itself) and the live views of the base that their
    version counter tracks (those taken in grad mode)."""
    found, seen = [], set()
    for t in [tensor, base] + [ref() for ref in base._vc[1:]]:
        if t is not None and id(t) not in seen:
            seen.add(id(t))
            found.append(t)
    return found


def _rebuild_shared(cls, fd_holder, size, offset, shape, strides, dtype, writeable, requires_grad, state):
    """A shared tensor in the receiving process: the same memory, mapped from the descriptor it was sent."""
    block = _mapped(fd_holder.detach(), size)
    array = host.ndarray(shape, host.dtype(dtype), buffer=block, offset=offset, strides=strides)
    array.flags.writeable = writeable
    tensor = object.__new__(cls)
    tensor._init(array, None)
    tensor.requires_grad = requires_grad
    for name, value in state.items():
        setattr(tensor, name, value)
    return tensor


def _extra_state(tensor):
    """A Tensor subclass's own fields (nn.Buffer's ``persistent``, a subclass's __dict__)."""
    from .tensor import Tensor

    state = dict(getattr(tensor, "__dict__", {}))
    for klass in type(tensor).__mro__:
        if klass is Tensor:
            break
        for name in klass.__dict__.get("__slots__", ()):
            if name not in ("__dict__", "__weakref__") and hasattr(tensor, name):
                state[name] = getattr(tensor, name)
    return state


def reduce_tensor(tensor):
    """How multiprocessing pickles a tensor (torch.multiprocessing's reductions): a shared one as its block's
    file descriptor and its place in the block, so that the other process sees the same memory; any other
    as its values (as pickle does). A tensor made by an op that requires grad is refused, as in PyTorch."""
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
                           "not support crossing process boundaries.  If you just want to transfer the data, call "
                           "detach() on the tensor before serializing (e.g., putting it on the queue).")
    block = _block_of(tensor._data)
    if block is None:
        return tensor.__reduce_ex__(pickle.DEFAULT_PROTOCOL)
    from multiprocessing.reduction import DupFd

    array = tensor._data
    return _rebuild_shared, (type(tensor), DupFd(block.fd), len(block), _address(array) - block.address, array.shape,
                             array.strides, array.dtype.str, array.flags.writeable, tensor.requires_grad,
                             _extra_state(tensor))


def register(cls=None):
    """Pickle ``cls`` (Tensor and its subclasses known now) with reduce_tensor in multiprocessing's pickler
    (its reducers are looked up by exact type); ordinary pickling is left alone."""
    from multiprocessing.reduction import ForkingPickler

    from .tensor import Tensor

    stack = [Tensor] + ([cls] if cls is not None else [])
    while stack:
        klass = stack.pop()
        if ForkingPickler._extra_reducers.get(klass) is not reduce_tensor:
            ForkingPickler.register(klass, reduce_tensor)
        stack.extend(klass.__subclasses__())

