"""A tensor's storage, as PyTorch shows it: ``t.storage()``, ``t.storage_offset()``.

A tensor here is a numpy array, and a view (``points[1]``, ``points.t()``) a numpy view of the array it
was made from. The storage is that first array's memory, flat, in the order it lies in memory: the one
block of numbers the tensor and all its views read, at their own offsets and strides (``t.stride()``).

    points = ag.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    points.storage()            #  4.0  1.0  5.0  3.0  2.0  1.0 (one per line), of size 6
    points[1].storage_offset()  # 2: the second point starts at the storage's third number
    points.storage()[0] = 2.0   # points[0, 0] is 2.0 now: the storage is the tensor's memory

PyTorch has deprecated TypedStorage for UntypedStorage (bytes) and says so when ``storage()`` is
called; so does this module, but the typed view is what "Deep Learning with PyTorch" and older code use.
"""
import warnings

from .backend import host
from .tensor import Tensor

_DEPRECATED = ("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the only "
               "storage class. This should only matter to you if you are using storages directly. (PyTorch's "
               "UntypedStorage, the bytes, is not provided here: t.stride() and t.storage_offset() say where a "
               "tensor's elements lie)")


def _memory(array, op):
    """The array that owns ``array``'s memory (following numpy's ``base`` up), and the offset of
    ``array``'s first element in it, in elements."""
    if not isinstance(array, host.ndarray):
        raise NotImplementedError(f"{op}: only a CPU tensor's storage can be shown; call .cpu() first")
    root = array
    while isinstance(root.base, host.ndarray):
        root = root.base
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return root, start // array.dtype.itemsize


class TypedStorage:
    """torch.TypedStorage: the flat memory behind a tensor and its views, one number per element (reads and
    writes go to the tensor's memory; they are not recorded by autograd). Each ``storage()`` call makes a new
    one, as in PyTorch (``a.storage() is a.t().storage()`` is False in both; the book's ``id(a.storage()) ==
    id(a.t().storage())`` is True in both only because CPython gives the second the first's freed memory)."""

    __slots__ = ("_flat",)

    def __init__(self, root):
        self._flat = root.reshape(-1, order="A")  # (a view: the owner is contiguous, C or Fortran order)

    @property
    def dtype(self):
        return self._flat.dtype

    @property
    def device(self):
        from .devices import device

        return device("cpu")

    def size(self):
        return self._flat.size

    def __len__(self):
        return self._flat.size

    def __getitem__(self, index):
        """A number (a Python float, int or bool); a slice gives the storage's numbers as a list."""
        if isinstance(index, slice):
            return self._flat[index].tolist()
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        return self._flat[index].item()

    def __setitem__(self, index, value):
        if not isinstance(index, slice) and not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {len(self)}")
        self._flat[index] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._flat.tolist()

    def data_ptr(self):
        return self._flat.__array_interface__["data"][0]

    def __repr__(self):
        """PyTorch's layout: each number on a line of its own after a space, then the type and size."""
        numbers = " " + "\n ".join(str(x) for x in self.tolist())
        return f"{numbers}\n[autograd.TypedStorage(dtype={self.dtype}, device={self.device}) of size {len(self)}]"

    __str__ = __repr__


def storage(self):
    """The tensor's storage (torch.Tensor.storage, deprecated there as here): see TypedStorage."""
    warnings.warn(_DEPRECATED, UserWarning, stacklevel=2)
    return TypedStorage(_memory(self._data, "storage")[0])


def storage_offset(self):
    """Where the tensor's first element is in its storage, in elements (0 for a tensor that owns its memory)."""
    return _memory(self._data, "storage_offset")[1]


def data_ptr(self):
    """The address of the tensor's first element (torch.Tensor.data_ptr): equal for two tensors that start at
    the same place in the same memory, which is what programs compare it for (did load_state_dict(assign=True)
    keep the checkpoint's storage, is this a view). On a device, the device array's pointer."""
    data = self._data
    if isinstance(data, host.ndarray):
        return data.__array_interface__["data"][0]
    return int(data.data.ptr)  # (a CuPy array)


Tensor.storage = storage
Tensor.storage_offset = storage_offset
Tensor.data_ptr = data_ptr
