"""What ``torch.compile(module)`` returns (ag.compile): seegrad has no compiler, so a compiled module runs as
it is, eagerly, with the same numbers and no speed-up (PyTorch's ``backend="eager"`` does the same). The
wrapper is PyTorch's, so code around it keeps working: the module is ``_orig_mod`` (its state dict's keys
start with ``_orig_mod.``, as in checkpoints saved from a compiled PyTorch model), and its attributes are
reached through the wrapper."""
from .module import Module


class OptimizedModule(Module):
    def __init__(self, mod):
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name):  # the original module's attributes (model.config, model.generate...)
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "_orig_mod":
                raise
            return getattr(self._orig_mod, name)
