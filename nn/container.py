"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (registered collections).

Their children are named by position ("0", "1", ...) or by key, so parameter names read
``0.weight``, ``layers.2.bias`` exactly as in PyTorch.
"""
import collections
import collections.abc
import operator

from autograd import Tensor

from .module import Module, _addindent
from .parameter import Parameter


def _index(idx, n, what):
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for a container of {n} modules")
    return idx % n


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules in order, named by position."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules):
        """Register ``modules`` as "0", "1", ...: names stay positions, as in PyTorch."""
        self._modules.clear()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __delitem__(self, idx):
        modules = list(self)
        del modules[idx if isinstance(idx, slice) else _index(idx, len(modules), type(self).__name__)]
        self._renumber(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        if isinstance(modules, Module) and not isinstance(modules, _ModuleSequence):
            raise TypeError(f"{type(self).__name__}.extend should be called with an iterable of modules, "
                            f"got a single {type(modules).__name__}; use append")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self)
        modules.insert(index, module)
        self._renumber(modules)
        return self

    def pop(self, idx):
        """Remove the module at ``idx`` (the rest renumbered) and return it."""
        module = self[idx]
        del self[idx]
        return module


class Sequential(_ModuleSequence):
    """``Sequential(m0, m1, ...)`` (or an OrderedDict of name -> module): forward calls each in turn."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], collections.OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(collections.OrderedDict(list(self._modules.items())[idx]))
        if isinstance(idx, str):
            return self._modules[idx]
        return list(self._modules.values())[_index(idx, len(self), "Sequential")]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        self.add_module(key, module)

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: add operator supports only objects of Sequential class, but "
                             f"{type(other).__name__} is given")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"Sequential: add operator supports only objects of Sequential class, but "
                             f"{type(other).__name__} is given")
        return self.extend(list(other))


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward; iterate over it in your module's forward")

    def __repr__(self):
        """Like PyTorch: runs of identical modules print once, as ``(0-3): 4 x Linear(...)``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        blocks = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [_addindent(f"({a}): {r}" if a == b else f"({a}-{b}): {b - a + 1} x {r}", 2) for a, b, r in blocks]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, keys kept in insertion order."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        for key, module in (modules.items() if hasattr(modules, "items") else modules):
            self[key] = module

    def pop(self, key):
        return self._modules.pop(key)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward; index it in your module's forward")


class ParameterList(Module):
    """A list of Parameters, registered under the names "0", "1", ..."""

    def __init__(self, values=None):
        super().__init__()
        for v in values or []:
            self.append(v)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, idx):
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self), "ParameterList")),
                                value if isinstance(value, Parameter) else Parameter(value))

    def append(self, value):
        self.register_parameter(str(len(self)), value if isinstance(value, Parameter) else Parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {'x'.join(map(str, p.shape))}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of Parameters, registered under their keys (so ``state_dict`` reads ``name.key``), keys
    in insertion order. As PyTorch's: a tensor stored in it becomes a Parameter; any other value is
    kept as it is (not a parameter)."""

    def __init__(self, parameters=None):
        super().__init__()
        self._order = {}  # every key, in insertion order (parameters and other values)
        self._others = {}  # the values that are not tensors
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key in self._parameters:
            return self._parameters[key]
        return self._others[key]

    def __setitem__(self, key, value):
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is not a string (type is "
                            f"'{type(key).__name__}'); use string keys")
        if not key or "." in key:
            raise KeyError(f"ParameterDict: keys must be non-empty strings without '.' (a state_dict name part), "
                           f"got {key!r}")
        self._parameters.pop(key, None)
        self._others.pop(key, None)
        if isinstance(value, Tensor):
            self._parameters[key] = value if isinstance(value, Parameter) else Parameter(value)
        else:
            self._others[key] = value
        self._order[key] = None

    def __delitem__(self, key):
        del self._order[key]
        self._parameters.pop(key, None)
        self._others.pop(key, None)

    def __len__(self):
        return len(self._order)

    def __iter__(self):
        return iter(list(self._order))

    def __reversed__(self):
        return reversed(list(self._order))

    def __contains__(self, key):
        return key in self._order

    def keys(self):
        return list(self._order)

    def values(self):
        return [self[k] for k in self._order]

    def items(self):
        return [(k, self[k]) for k in self._order]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        key = next(reversed(self._order))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._order):
            del self[key]

    def copy(self):
        """A new ParameterDict holding the same Parameters (not copies of them), in the same order."""
        return ParameterDict(self.items())

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters):
        """Add (key, value) pairs from a mapping or an iterable of pairs, overwriting existing keys. As
        PyTorch's: an OrderedDict, a ParameterDict or pairs keep their order; a plain dict's keys are
        added sorted."""
        if isinstance(parameters, (collections.OrderedDict, ParameterDict)):
            parameters = list(parameters.items())
        elif isinstance(parameters, collections.abc.Mapping):
            parameters = sorted(parameters.items())
        for pair in parameters:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"ParameterDict.update: expected (key, value) pairs, got {pair!r}")
            self[pair[0]] = pair[1]

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = ParameterDict(other)
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called; index it in your module's forward")

    def extra_repr(self):
        lines = []
        for key, value in self.items():
            if isinstance(value, Tensor):
                size = "x".join(map(str, value.shape))
                lines.append(f"({key}): Parameter containing: [{value.dtype} of size {size}]")
            else:
                lines.append(f"({key}): Object of type: {type(value).__name__}")
        return "\n".join(lines)
