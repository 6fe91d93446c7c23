"""Module: the base class of every layer. Finds its parameters through its attributes.

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 16)     # a sub-module: registered in _modules
            self.fc2 = nn.Linear(16, 1)
        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x)))

    dict(MLP().named_parameters()).keys()  # fc1.weight fc1.bias fc2.weight fc2.bias

Assigning a Parameter registers it in ``_parameters``, a Module in ``_modules``;
``register_buffer`` adds non-learnable state (running statistics) that still travels
in ``state_dict``. Everything else (``named_parameters``, ``state_dict``, ``to``,
``repr``) walks those three ordered dicts.
"""
import collections
import itertools

from autograd.backend import by_input, host

import autograd as ag
from autograd import Tensor, no_grad
from autograd.devices import parse_to

from .backward_hooks import BackwardHook
from .parameter import Buffer, Parameter, is_lazy


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns; prints as PyTorch's (``<All keys matched successfully>`` when both are empty)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """Returned by ``register_*_hook``; ``handle.remove()`` takes the hook off."""

    _ids = itertools.count()

    def __init__(self, hooks):
        self.hooks, self.id = hooks, next(RemovableHandle._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _checked_entry(key, value, target, assign):
    """(array ready to copy into ``target``, None), or (None, what is wrong with the entry ``key``)."""
    where = f'While copying the parameter named "{key}", '
    if is_lazy(value):  # a lazy module's, saved before its first forward: nothing to copy into a lazy one
        if is_lazy(target):
            return None, None
        return None, (where + "the checkpoint's tensor is uninitialized (a lazy module saved before its first "
                      "forward); run a forward pass through the model before saving it")
    if not isinstance(value, (Tensor, host.ndarray, host.generic)) and not hasattr(value, "__array__"):
        return None, where + f"expected a Tensor or an array from checkpoint but received {type(value)}"
    arr = value.detach().cpu().numpy() if isinstance(value, Tensor) else host.asarray(value)  # (host)
    if arr.dtype.kind not in "biufc":
        return None, where + f"the checkpoint holds {arr.dtype} values, which are not numbers"
    if arr.dtype.kind == "c" and target.dtype.kind != "c" and not assign:
        return None, (where + f"the checkpoint holds {arr.dtype} values, which do not fit a {target.dtype} "
                      "tensor without losing their imaginary part (take .real first if that is meant)")
    if assign and target.requires_grad and arr.dtype.kind != "f":
        return None, where + f"assign=True would give a parameter that requires grad {arr.dtype} values " \
                             "(floats expected)"
    if not is_lazy(target) and arr.shape != target.shape:  # (a lazy target takes the checkpoint's shape)
        return None, (f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} from "
                      f"checkpoint, the shape in current model is {tuple(target.shape)}.")
    return (by_input.array(arr) if assign else arr.astype(target.dtype)), None


def _addindent(text, spaces):
    lines = text.split("\n")
    return lines[0] if len(lines) == 1 else "\n".join([lines[0]] + [" " * spaces + ln for ln in lines[1:]])


class Module:
    """Base class for layers and models: subclass, build layers in ``__init__``, write ``forward``."""

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers"] = set()
        d["_modules"] = {}
        d["_forward_hooks"] = {}
        d["_forward_pre_hooks"] = {}
        d["_backward_hooks"] = {}
        d["_backward_pre_hooks"] = {}

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if (self._backward_hooks or self._backward_pre_hooks) and ag.is_grad_enabled():
            backward_hook = BackwardHook(self)
            args = backward_hook.setup_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out if backward_hook is None else backward_hook.setup_outputs(out)

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` runs after forward; a non-None return replaces the output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook):
        """``hook(module, inputs)`` runs before forward; a non-None return replaces the inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the
        module's inputs are computed; a tuple returned replaces grad_input (backward_hooks.py)."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def register_full_backward_pre_hook(self, hook):
        """``hook(module, grad_output)`` runs when the gradients of the module's outputs are known;
        a tuple returned replaces grad_output."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------ attributes

    def _check_init(self, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call; "
                                 f"call super().__init__() first in {type(self).__name__}.__init__")

    def __setattr__(self, name, value):
        d = self.__dict__
        params, modules, buffers = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, Parameter):
            self._check_init(name)
            if isinstance(getattr(type(self), name, None), property):  # e.g. a tensor nn.utils.parametrize computes
                raise KeyError(f"attribute {name!r} already exists: a property of {type(self).__name__} (a "
                               "parametrized tensor takes a plain tensor, through right_inverse; "
                               "remove_parametrizations first to make it a parameter again)")
            self._forget(name, keep=params)
            params[name] = value
        elif isinstance(value, Buffer):  # (nn.Buffer: register_buffer by assignment)
            if buffers is not None and name in buffers:
                self._non_persistent_buffers.discard(name)
                del buffers[name]
            self.register_buffer(name, value, persistent=value.persistent)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} of "
                                f"{type(self).__name__} (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_init(name)
            self._forget(name, keep=modules)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} of "
                                f"{type(self).__name__} (nn.Module or None expected)")
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} of "
                                f"{type(self).__name__} (Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Drop ``name`` from wherever it was, before registering it in ``keep`` (one of the three
        registries). In ``keep`` itself it stays where it is, as in PyTorch: a replaced layer keeps its
        place in forward order (``seq[0] = nn.Linear(...)``), in state_dict and in parameters()."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):  # only called when normal lookup fails
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name, param):
        """Add a Parameter (or None, a placeholder like a missing bias) under ``name``."""
        self._check_init(name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_parameter: parameter name must be a non-empty string without '.', got {name!r}")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: cannot assign {type(param).__name__} as parameter {name!r} "
                            "(nn.Parameter or None expected); wrap it: nn.Parameter(tensor)")
        if hasattr(type(self), name) or name in self.__dict__ or name in self._buffers or name in self._modules:
            raise KeyError(f"register_parameter: attribute {name!r} already exists")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add non-learnable state (e.g. BatchNorm's running mean); it is saved in state_dict
        unless ``persistent=False``, and converted by ``to(dtype)``."""
        self._check_init(name)
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: buffer name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: cannot assign {type(tensor).__name__} as buffer {name!r} "
                            "(Tensor or None expected)")
        if name in self._parameters or name in self._modules or hasattr(type(self), name):
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` as a child called ``name`` (same as ``setattr(self, name, module)``)."""
        self._check_init(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: module name must be a non-empty string without '.', got {name!r}")
        taken = hasattr(type(self), name) or name in self.__dict__ or name in self._parameters or name in self._buffers
        if taken and name not in self._modules:
            raise KeyError(f"add_module: attribute {name!r} already exists")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The sub-module at a dotted path such as ``"encoder.0"``."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"get_submodule: {type(module).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"get_parameter: {type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]

    # ------------------------------------------------------------ walking the tree

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Every module in the tree, this one first, with dotted names ("" for this one)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(name, Parameter)`` pairs with PyTorch's keys (``0.weight``, ``fc1.bias``); a shared
        parameter is listed once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module (children first) and on this one; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------ modes and gradients

    def train(self, mode=True):
        """Training mode (Dropout active, BatchNorm uses batch statistics); returns self. As PyTorch,
        each child's own ``train`` is called, so a layer that overrides it (a BatchNorm kept frozen
        while fine-tuning) has its say."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode is expected to be a bool, got {type(mode).__name__}")
        self.__dict__["training"] = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's gradient (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:  # as torch: a gradient with a graph of its own is detached first
                if p.grad.grad_fn is not None:
                    p.grad.detach_()
                else:
                    p.grad.requires_grad_(False)
                with no_grad():
                    p.grad.zero_()

    # ------------------------------------------------------------ dtype

    def _convert(self, fn):
        """Replace each parameter's and buffer's storage by ``fn(tensor)`` (a tensor, or the same
        one when nothing changes), in place: the objects stay, so optimizers keep them."""
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for t in registry.values():
                    if t is not None:
                        old = t.detach()
                        new = fn(old)
                        if new is not old:
                            with no_grad():
                                t.set_(new)
                            if t.grad is not None:
                                t.grad = fn(t.grad.detach())
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``: casts floating
        parameters and buffers in place; the device must be one tensors can live on (the CPU)."""
        dtype, _, where = parse_to("Module.to", args, kwargs)
        if dtype is not None and dtype.kind != "f":
            raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got {dtype}")
        if where is not None:  # parameters, buffers and their gradients move; an optimizer's state follows
            self._convert(lambda t: t.to(where))  # (the same tensor when it is there already)
        if dtype is None:
            return self
        return self._convert(lambda t: t.to(dtype) if t.dtype.kind == "f" and t.dtype != dtype else t)

    def float(self):
        return self.to(host.float32)

    def double(self):
        return self.to(host.float64)

    def half(self):
        return self.to(host.float16)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def share_memory(self):
        """Move every parameter's and buffer's storage (and the gradients there are) into shared memory
        (torch.nn.Module.share_memory, for torch.multiprocessing); returns self. The tensors stay the same
        objects, so an optimizer made before keeps them."""
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for t in registry.values():
                    if t is not None:
                        t.share_memory_()
                        if t.grad is not None:
                            t.grad.share_memory_()
        return self

    # ------------------------------------------------------------ state dict

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict ``name -> tensor`` of parameters and persistent buffers; the tensors
        share storage with the module (detached unless ``keep_vars``). A module that overrides
        ``get_extra_state`` adds what it returns under ``<its prefix>_extra_state``, as PyTorch."""
        out = collections.OrderedDict() if destination is None else destination
        # (remove_duplicate=False: a module registered under two names is saved under both, as PyTorch)
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            dot = module_prefix + ("." if module_prefix else "")
            for name, t in module._state_tensors():
                out[dot + name] = t if keep_vars or is_lazy(t) else t.detach()
            if type(module).get_extra_state is not Module.get_extra_state:
                out[dot + "_extra_state"] = module.get_extra_state()
        return out

    def _state_tensors(self):
        """(name, tensor) of this module's own parameters and persistent buffers, in state_dict order."""
        for name, p in self._parameters.items():
            if p is not None:
                yield name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield name, b

    def get_extra_state(self):
        """Override, with ``set_extra_state``, to save state that is not a parameter or buffer (a
        counter, a config dict) in the state dict, under ``_extra_state``."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called: a module "
                           "that saves extra state overrides both get_extra_state and set_extra_state")

    def set_extra_state(self, state):
        """Override, with ``get_extra_state``: receives what get_extra_state returned when loading."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called: a module "
                           "that saves extra state overrides both get_extra_state and set_extra_state")

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from ``state_dict`` into this module's parameters and buffers: all or nothing.

        Every entry is checked before anything is copied: a Tensor or array (not a list, a number or
        a string), of numbers that cast to the target's dtype (complex into real is refused: it would
        drop the imaginary part), of the target's shape. Any problem raises one RuntimeError naming
        every missing and unexpected key (when ``strict``) and every entry at fault, and leaves the
        module as it was. Then each module that overrides ``set_extra_state`` gets its
        ``_extra_state`` entry. Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict: expected a dict of name -> tensor, got {type(state_dict).__name__}")
        own, extras, expected = {}, {}, []  # key -> tensor; key -> module with extra state; every key, in order
        owners = {}  # key -> (module, attribute name): where assign=True puts the checkpoint's tensor
        for module_prefix, module in self.named_modules(remove_duplicate=False):
            dot = module_prefix + ("." if module_prefix else "")
            for name, t in module._state_tensors():
                own[dot + name] = t
                owners[dot + name] = (module, name)
                expected.append(dot + name)
            if type(module).set_extra_state is not Module.set_extra_state:
                extras[dot + "_extra_state"] = module
                expected.append(dot + "_extra_state")
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own and k not in extras]
        errors, to_copy = [], []
        for key, target in own.items():
            if key in state_dict:
                arr, problem = _checked_entry(key, state_dict[key], target, assign)
                if problem:
                    errors.append(problem)
                elif arr is not None:
                    to_copy.append((key, target, arr))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():  # nothing below can fail: every array already has the target's shape and dtype
            for key, target, arr in to_copy:
                if is_lazy(target):  # a lazy module's parameter takes the checkpoint's shape (PyTorch's rule)
                    target.materialize(arr.shape)
                    if assign:
                        target.set_(ag.from_numpy(arr).to(target.device))
                        continue
                if assign:  # the checkpoint's tensor itself becomes the parameter or buffer, as in PyTorch
                    self._assign_loaded(owners[key], target, state_dict[key], arr)
                else:
                    target.copy_(arr)
        for key, module in extras.items():
            if key in state_dict:
                module.set_extra_state(state_dict[key])
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _assign_loaded(owner, target, value, arr):
        """load_state_dict(assign=True): the checkpoint's tensor (its storage, dtype and device) replaces the
        module's parameter or buffer: a parameter becomes ``Parameter(value)`` sharing the value's storage
        (requires_grad as the old one's); a buffer becomes the value itself. The old object is left behind,
        as in PyTorch: an optimizer built before holds it (build optimizers after loading)."""
        module, name = owner
        if not isinstance(value, Tensor):  # (an array or a number: a tensor of the checked copy)
            value = ag.from_numpy(arr)
        if isinstance(target, Parameter):
            if isinstance(value, Parameter):
                value.requires_grad_(target.requires_grad)
            else:
                value = Parameter(value, requires_grad=target.requires_grad)
        setattr(module, name, value)

    # ------------------------------------------------------------ printing

    def extra_repr(self):
        """The text inside the parentheses of this module's repr line (override in layers)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [line for line in (self.extra_repr().split("\n") if self.extra_repr() else [])]
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __setstate__(self, state):
        self.__dict__.update({"_backward_hooks": {}, "_backward_pre_hooks": {}, **state})
