"""PyTorch's names for the nodes of the graph: what ``print(y.grad_fn)`` and ``y.grad_fn.name()`` show.

A Function's node is called ``<Class>Backward0`` (``Function.name``): ``Exp`` records ``ExpBackward0``,
as PyTorch. Where PyTorch spells the name otherwise, the Function says so in one line::

    class LogSumExp(Function):
        name = node_name("LogsumexpBackward0")

PyTorch also names one op's nodes apart by the overload that was called: the full sum is
``SumBackward0`` and a sum over dims ``SumBackward1``; ``x.max()`` records ``MaxBackward1`` and
``x.max(dim)`` ``MaxBackward0``. The backward is the same, so here it is the same Function, and the
name is picked per node: from what forward kept on the node (``pick``), or by the front function,
which knows which overload the user called (``overloaded(out, "UnsqueezeBackward0", Reshape)``: a
reshape that PyTorch calls unsqueeze).

``next_functions`` lists a node's inputs as PyTorch's does; where an op takes as an input what
PyTorch takes as an argument (where's condition), ``leaving_out`` drops it from the list."""

from .graph import _handed_out

__all__ = ["node_name", "overloaded", "leaving_out"]


class node_name:
    """``name = node_name(default, pick)`` on a Function: its ``name()``, on the class and on each node.

    ``default``: PyTorch's name for the op (the class's own ``<Class>Backward0`` when left out);
    ``pick(node)``: the name for this node, or None for the default (e.g. by the dims it reduced).
    A name set by a front function (``overloaded``) comes first."""

    def __init__(self, default=None, pick=None):
        self.default, self.pick = default, pick

    def __set_name__(self, owner, attribute):
        if self.default is None:
            self.default = owner.__name__ + "Backward0"

    def __get__(self, node, cls):
        name = self.default
        if node is not None:
            name = node.__dict__.get("overload") or (self.pick and self.pick(node)) or name
        return lambda: name


def overloaded(out, name, op, input=None):
    """``out``, its node named ``name`` where the op just called recorded one of class ``op``: PyTorch's
    name for the overload the user called, where one Function serves several (squeeze and unsqueeze are
    reshapes here). Nothing changes where nothing was recorded, where the op took another path (a node
    of another class), or where it handed back ``input`` itself (a reshape to the same shape)."""
    node = getattr(out, "grad_fn", None)
    if type(node) is op and out is not input:
        node.overload = name
    return out


def leaving_out(*positions):
    """A ``next_functions`` property without the inputs at ``positions``: arguments that are inputs of the
    node here but not of PyTorch's (where's condition, embedding's indices, the 2 of ``x ** 2``), so that
    it lists what PyTorch's lists. A position may be a function of the node, giving the positions."""
    def next_functions(node):
        skip = positions[0](node) if callable(positions[0]) else positions
        return tuple((_handed_out(edge), 0) for i, edge in enumerate(node._edges) if i not in skip)

    return property(next_functions, doc="PyTorch's view of the edges, ``((node, 0), ...)``, as PyTorch lists them.")
