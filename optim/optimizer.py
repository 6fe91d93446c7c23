"""Optimizer: parameter groups, lazy per-parameter state, zero_grad, state_dict.

A subclass writes one method, ``_update(p, g, state, group)``, the algorithm's textbook
formula and nothing else: it gets the parameter's numpy array ``p``, the gradient array
``g``, the parameter's state dict (empty on the first step: create the named moments there)
and its group's hyperparameters, and changes ``p`` in place. The base class does what every
algorithm shares, once (``step`` lists the steps): it skips parameters without a gradient,
applies ``maximize`` and weight decay (coupled L2 or decoupled, as the class declares in its
``weight_decay`` attribute) before ``_update``, and bumps each parameter's version counter
afterwards, so that a graph that saved the old value refuses to backpropagate through it.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt = optim.SGD([{"params": body.parameters()},
                     {"params": head.parameters(), "lr": 1e-3}], lr=0.1)   # two groups
"""
import collections
import copy

import numpy as np

import autograd as ag


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: ``Optimizer(params_or_param_groups, defaults)``.

    ``weight_decay`` says how ``step`` applies a group's ``weight_decay`` (wd) before ``_update``:
    ``"coupled"`` (L2, as torch.optim.SGD, Adagrad, RMSprop, Adam): g = g + wd * p;
    ``"decoupled"`` (as torch.optim.AdamW): p = p * (1 - lr * wd)."""

    weight_decay = "coupled"

    def __init__(self, params, defaults):
        if self.weight_decay not in ("coupled", "decoupled"):
            raise ValueError(f"{type(self).__name__}.weight_decay must be 'coupled' or 'decoupled', "
                             f"got {self.weight_decay!r}")
        self.defaults = dict(defaults)
        self.state = collections.defaultdict(dict)  # Parameter -> named moments, filled on its first step
        self.param_groups = []
        if isinstance(params, ag.Tensor):
            raise TypeError(f"{type(self).__name__}: params argument given to the optimizer should be an iterable "
                            "of Tensors or dicts, but got a single Tensor; wrap it in a list: [p]")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list "
                             "(did the model register its layers as attributes?)")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        for group in params:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group ``{"params": [...], "lr": ..., ...}``; missing options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: param_group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, ag.Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, ag.Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor (one computed by an op); "
                                 "optimize the leaves it was computed from, or .detach().requires_grad_()")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"{type(self).__name__}: parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears more than once in a param group")
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Clear gradients: to None (default, frees memory) or to zeros in place (no graph is
        recorded, even for a gradient that requires grad; its version is bumped)."""
        with ag.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if set_to_none:
                        p.grad = None
                    elif p.grad is not None:
                        p.grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` (optional) re-evaluates
        the model and returns the loss, as in PyTorch. For each such parameter, in order:

        a) p, g = the parameter's storage and its gradient, as numpy arrays (shared, not copied);
        b) g = -g if the group has ``maximize``;
        c) weight decay wd, as the class declares: coupled g = g + wd * p, decoupled p = p * (1 - lr * wd);
        d) ``_update(p, g, state, group)``: the algorithm, changing p in place;
        e) bump the parameter's version, so a graph that saved the old p refuses to backpropagate.

        b) and c) build new arrays: p.grad stays as backward left it."""
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        bump = ag.autograd.graph.increment_version
        coupled = self.weight_decay == "coupled"
        for group in self.param_groups:
            maximize, wd = group.get("maximize", False), group.get("weight_decay", 0)
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                p = param.numpy(force=True)
                g = grad.numpy(force=True)
                if g.shape != p.shape:
                    raise RuntimeError(f"{type(self).__name__}.step: a gradient of shape {g.shape} does not "
                                       f"match its parameter of shape {p.shape}")
                if maximize:
                    g = -g
                if wd != 0:
                    if coupled:
                        g = g + wd * p
                    else:
                        p *= 1 - group["lr"] * wd
                self._update(p, g, self.state[param], group)
                bump(param)
        return loss

    def _update(self, p, g, state, group):
        raise NotImplementedError(f"{type(self).__name__} must define _update(p, g, state, group)")

    @staticmethod
    def _moment(state, name, p, fill=0.0):
        """The named moment ``state[name]`` (a Tensor of p's shape), created on first use."""
        t = state.get(name)
        if t is None:
            t = state[name] = ag.from_numpy(np.full_like(p, fill))
        return t.numpy()

    # ------------------------------------------------------------ saving and resuming

    def state_dict(self):
        """``{"state": {index: {name: value}}, "param_groups": [{..., "params": [index, ...]}]}``
        as in PyTorch: parameters are replaced by their position across the groups. Moments are
        copied, so the dict is a snapshot that later steps do not change."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: ag.from_numpy(v.detach().numpy().copy()) if isinstance(v, ag.Tensor) else copy.deepcopy(v)
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and moments saved by ``state_dict`` (into an optimizer built over
        the same parameters in the same order)."""
        try:
            saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected a dict with 'state' and "
                             "'param_groups' (what optimizer.state_dict() returns)") from None
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict has {len(saved_groups)} "
                             f"parameter groups, but the optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict contains a parameter "
                                 f"group that doesn't match the size of optimizer's group (group {i}: "
                                 f"{len(saved['params'])} saved parameters vs {len(group['params'])})")
        params = {}
        for saved, group in zip(saved_groups, self.param_groups):
            for idx, p in zip(saved["params"], group["params"]):
                params[idx] = p
        new_state = collections.defaultdict(dict)
        for idx, moments in saved_state.items():
            p = params.get(int(idx))
            if p is None:
                raise ValueError(f"{type(self).__name__}.load_state_dict: state for parameter {idx} has no "
                                 "matching parameter in the optimizer")
            restored = {}
            for name, v in moments.items():
                if isinstance(v, (ag.Tensor, np.ndarray)):
                    arr = v.detach().numpy() if isinstance(v, ag.Tensor) else v
                    if name != "step" and arr.shape != p.shape and arr.ndim != 0:
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {name!r} of parameter "
                                         f"{idx} has shape {arr.shape}, but the parameter has shape "
                                         f"{tuple(p.shape)}")
                    dtype = p.dtype if arr.dtype.kind == "f" and name != "step" else arr.dtype
                    restored[name] = ag.from_numpy(np.array(arr, dtype=dtype))
                else:
                    restored[name] = copy.deepcopy(v)
            new_state[p] = restored
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(group.get(k), tuple) and isinstance(v, list) else copy.deepcopy(v)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines) + "\n)"
