"""draw_graph: the DAG behind a Tensor or a Value, as a graphviz Digraph.

    g = ag.viz.draw_graph(loss, params=model)   # displays inline in Jupyter
    g.render("mlp", format="svg")               # or g.pipe("png")

The picture reads bottom-up (rankdir="BT"): leaves at the bottom, the output on
top. Boxes are values, ellipses are ops:

    blue box    parameter (a name from ``params``)   green box   other leaf
    grey box    intermediate result                  orange box  the output
    yellow oval op (``#3 MatMul``, numbered in forward order)
    dashed      the op's constant inputs (no gradient), named by their role
    blue dashed a module (``cluster_modules=True``), ``(1): Linear`` as ``print(model)`` names it;
                ``collapse=`` draws a module as one box

The graph is read once into a ``GraphModel`` (which nodes, names, clusters, edges);
``GraphModel.digraph(state)`` then writes one picture of it for a given state (values,
gradients, the node to highlight), which is how the stepper draws its frames.
Rendering goes through ``autograd.render``, so no system Graphviz is needed.
"""
import gc
import os
import re
import shutil
from collections import deque, namedtuple
from pathlib import Path

from ..backend import host
import graphviz

from .. import render as _render
from ..files import atomic_write_bytes
from ..graph import AccumulateGrad, Node, Variable, topological_order
from .rules import arg_name, derivative_rule

RANKDIRS = ("BT", "TB", "LR", "RL")

STYLE = {  # graphviz attributes per kind of node
    "param": dict(shape="box", style="rounded,filled", fillcolor="#cfe2ff"),
    "leaf": dict(shape="box", style="rounded,filled", fillcolor="#d3f9d8"),
    "value": dict(shape="box", style="rounded,filled", fillcolor="#f1f3f5"),
    "output": dict(shape="box", style="rounded,filled", fillcolor="#ffd8a8", penwidth="2"),
    "op": dict(shape="ellipse", style="filled", fillcolor="#fff3bf"),
    "const": dict(shape="box", style="dashed", fontcolor="#868e96", color="#adb5bd", fontsize="8"),
    "module": dict(shape="box", style="rounded,filled,dashed", fillcolor="#edf2ff", color="#748ffc",
                   fontcolor="#364fc7", penwidth="1.5"),
    "more": dict(shape="note", style="filled", fillcolor="#fff5f5", color="#e03131"),
}
CURRENT = dict(color="#d6336c", penwidth="3")     # the node of the current step
CURRENT_OP_FILL = "#ffa94d"
FUTURE = dict(style="dashed", color="#ced4da", fontcolor="#adb5bd", fillcolor="white")  # not computed yet
FORWARD_EDGE = dict(color="#1c7ed6", penwidth="2.5")
BACKWARD_EDGE = dict(color="#d6336c", penwidth="2.5", fontcolor="#d6336c")


# --------------------------------------------------------------------------- the Digraph


class Digraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders SVG and PNG through ``autograd.render``: the system
    ``dot`` when there is one, else the pip-installed renderers. ``pipe``, ``render`` and the
    Jupyter display (``_repr_mimebundle_``) all go that way; other formats or engines need
    the system Graphviz, as with the plain graphviz package."""

    def __init__(self, *args, format="svg", **kwargs):
        super().__init__(*args, format=format, **kwargs)

    def _builtin(self, fmt, engine=None, renderer=None, formatter=None, neato_no_op=None):
        """True when autograd.render can do this request (else it goes to the system dot)."""
        plain = engine in (None, "dot") and self.engine == "dot" and not (renderer or formatter or neato_no_op)
        if plain and fmt in _render.FORMATS:
            return True
        if _has_system_dot():
            return False
        raise _render.RenderError(
            f"format={fmt!r}, engine={engine or self.engine!r}, renderer={renderer!r} needs the system "
            f"Graphviz ({_render.SYSTEM_HINT}); without it, format='svg' or 'png' with engine='dot' work")

    def _rendered(self, fmt):
        cache = self.__dict__.setdefault("_render_cache", {})
        key = (self.source, fmt)
        if key not in cache:
            cache.clear()  # keep only the latest source
            cache[key] = _render.render(self.source, fmt)
        return cache[key]

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        """The rendered graph as bytes (or str when ``encoding`` is given)."""
        fmt = (format or self.format).lower()
        if not self._builtin(fmt, engine, renderer, formatter, neato_no_op):
            return super().pipe(format=format, renderer=renderer, formatter=formatter,
                                neato_no_op=neato_no_op, quiet=quiet, engine=engine, encoding=encoding)
        data = self._rendered(fmt)
        return data.decode(encoding) if encoding else data

    def save(self, filename=None, directory=None, *, skip_existing=False):
        """Write the DOT source (atomically) and return its path."""
        if filename is not None:
            self.filename = filename
        if directory is not None:
            self.directory = directory
        path = Path(self.filepath)
        if skip_existing and path.exists():
            return self.filepath
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, self.source.encode(self.encoding))
        return self.filepath

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """Save the source and render it to ``<filepath>.<format>`` (or ``outfile``); returns the path."""
        fmt = (format or (Path(outfile).suffix.lstrip(".") if outfile else "") or self.format).lower()
        if not self._builtin(fmt, engine, renderer, formatter, neato_no_op):
            return super().render(filename, directory, view, cleanup, format, renderer, formatter, neato_no_op,
                                  quiet, quiet_view, outfile=outfile, engine=engine,
                                  raise_if_result_exists=raise_if_result_exists, overwrite_source=overwrite_source)
        if outfile is not None:
            outfile = Path(directory if directory is not None else self.directory, outfile)
            if filename is None:  # like graphviz: the source goes beside the output file
                filename = outfile.with_suffix(".gv").name
                directory = outfile.parent if directory is None else directory
        filepath = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{filepath}.{fmt}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        _write_atomic(target, self._rendered(fmt))
        if cleanup:
            os.remove(filepath)
        if view or quiet_view:
            self._view(os.fspath(target), format=fmt, quiet=quiet_view)
        return os.fspath(target)

    def _repr_svg_(self):
        return self.pipe(format="svg", encoding="utf-8")


def _has_system_dot():
    return shutil.which("dot") is not None


def _write_atomic(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


# --------------------------------------------------------------------------- numbers as text


def summarize(x, max_elements=8):
    """A value or gradient in a few characters: the number, the small array itself (up to
    ``max_elements`` elements and 64 characters), else its mean/min/max/norm."""
    if x is None:
        return "-"
    if isinstance(x, Variable):
        x = x._data
    elif hasattr(x, "_data"):  # a .grad Tensor
        x = x._data
    a = host.asarray(x)
    if a.size == 0:
        return "[]"
    if a.size == 1:
        return _num(a.reshape(()).item())
    if a.size <= max_elements:
        text = host.array2string(a, separator=", ", max_line_width=10**6,
                               formatter={"float_kind": lambda v: f"{v:.3g}"})
        text = text.replace("\n", "")
        if len(text) <= 64:
            return text
    f = a.astype(host.float64)
    return f"mean {_num(f.mean())}, min {_num(f.min())}, max {_num(f.max())}, norm {_num(host.linalg.norm(f))}"


def _num(v):
    return f"{v:.4g}" if isinstance(v, (float, host.floating)) else str(v)


def _shape_text(shape, dtype):
    if shape is None:
        return ""
    text = "scalar" if dtype == "float" else str(tuple(shape))  # a Value is a Python float
    return text if dtype in (None, "float") else f"{text} {dtype}"


def op_label(node):
    """A node's op as a box shows it: its PyTorch name without the ``Backward`` suffix (SumBackward1 -> Sum,
    MyFnBackward -> MyFn); the full name is the box's tooltip and the step's title."""
    return re.sub(r"Backwards?\d*$", "", node.name())


def _esc(text):
    """Text for a DOT label: backslashes are escapes there, and <...> would be an HTML label."""
    return graphviz.nohtml(str(text).replace("\\", "\\\\"))


# --------------------------------------------------------------------------- names and modules


def param_names(params):
    """{id(tensor): name} from a module (anything with named_parameters()) or a {name: tensor} map."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = list(params.named_parameters())
    elif isinstance(params, dict):
        items = list(params.items())
    else:
        raise TypeError(f"draw_graph: params must be a module (with named_parameters()) or a "
                        f"{{name: tensor}} dict, got {type(params).__name__}")
    names = {}
    for name, p in items:
        if not isinstance(p, Variable):
            raise TypeError(f"draw_graph: params[{name!r}] is a {type(p).__name__}, not a Tensor or Value")
        names.setdefault(id(p), name)
    return names


def _module_of(name):
    return name.rpartition(".")[0] or None  # "fc1.weight" -> "fc1", "w" -> None


def module_info(params):
    """{path: (type name, the line print(model) shows for it)} for a module's submodules, or {}."""
    if not hasattr(params, "named_modules"):
        return {}
    info = {}
    for path, m in params.named_modules():
        extra = m.extra_repr() if hasattr(m, "extra_repr") else ""
        info[path] = (type(m).__name__, f"({path}): {type(m).__name__}({extra})")
    return info


def wrap_words(items, width=26):
    """Join ``items`` with ", " into lines of about ``width`` characters."""
    lines, line = [], ""
    for item in items:
        candidate = f"{line}, {item}" if line else item
        if line and len(candidate) > width:
            lines.append(line + ",")
            line = item
        else:
            line = candidate
    return lines + [line] if line else lines


# --------------------------------------------------------------------------- the model


_Frame = namedtuple("_Frame", "values grads partial current phase future show_values show_grads placeholders widths")

def make_frame(values=None, grads=None, partial=(), current=None, phase=None, future=(), show_values=True,
               show_grads=True, placeholders=False, widths=None):
    """What one picture shows (see GraphModel.digraph)."""
    return _Frame(values or {}, grads or {}, partial, current, phase, future, show_values, show_grads,
                  placeholders, widths or {})


# rough Helvetica advance widths (points at 10 pt), erring wide
_NARROW, _WIDE = set(" .,:;[]()|'!iIjlft-"), set("mwMW@%")


def text_width_in(line, fontsize=10):
    """A generous estimate of how wide Graphviz draws ``line`` (inches), for stable box widths."""
    points = sum(3.0 if c in _NARROW else 8.5 if c in _WIDE else 6.7 if c.isupper() else 5.6 for c in line)
    return points * fontsize / 10 / 72


def _as_root_node(root):
    if isinstance(root, Node):
        return root
    if not isinstance(root, Variable):
        raise TypeError(f"draw_graph: expected a Tensor, a Value or a graph node, got {type(root).__name__}")
    if not root.requires_grad:
        raise ValueError("draw_graph: this tensor has no graph (requires_grad=False and no grad_fn); "
                         "compute it from inputs created with requires_grad=True")
    return root._node()


def _collect(roots, max_nodes):
    """The nodes to draw, each before the nodes it sends gradients to, and the cut-off frontier.

    Small graphs use ag.topological_order; past ``max_nodes`` a breadth-first walk from the
    roots stops, so a huge graph costs max_nodes steps, not its full size."""
    seen, order, queue = set(roots), list(roots), deque(roots)
    while queue and len(order) <= max_nodes:
        for child in queue.popleft()._edges:
            if child is not None and child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    if len(order) <= max_nodes and not queue:
        return topological_order(roots), []
    kept = order[:max_nodes]
    kept_set = set(kept)
    frontier = {c for n in kept for c in n._edges if c is not None and c not in kept_set}
    return kept, frontier


def _alive_outputs(ops):
    """{node: the Variable it made} for the ops whose output is still alive. A node does not keep
    its output (that would cost a weak reference per op, for the drawing's sake alone), so the
    outputs are found here, in one pass over the objects Python's collector tracks: the Variables
    whose grad_fn is one of ``ops`` (a Value made by an op is its own node)."""
    found = {n: n for n in ops if isinstance(n, Variable)}
    wanted = {n for n in ops if n not in found}
    if wanted:
        for obj in gc.get_referrers(*wanted):
            if isinstance(obj, Variable) and obj.grad_fn in wanted:
                found.setdefault(obj.grad_fn, obj)
    return found


class GraphModel:
    """What draw_graph reads from the DAG once: nodes, kinds, names, shapes, clusters, edges."""

    def __init__(self, roots, params=None, cluster_modules=False, max_nodes=200, rankdir="BT", outputs=None):
        if rankdir not in RANKDIRS:
            raise ValueError(f"draw_graph: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
        if not isinstance(max_nodes, int) or max_nodes < 1:
            raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
        roots = list(roots) if isinstance(roots, (list, tuple)) else [roots]
        self.roots = [_as_root_node(r) for r in roots]
        self.rankdir, self.cluster_modules = rankdir, cluster_modules
        self.names = param_names(params)
        self.module_info = module_info(params)
        topo, self.frontier = _collect(self.roots, max_nodes)
        self.max_nodes = max_nodes
        self.nodes = topo[::-1]  # forward order: leaves first, the output last
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.ops = [n for n in self.nodes if type(n) is not AccumulateGrad]
        self.op_number = {n: k + 1 for k, n in enumerate(self.ops)}
        self.outputs = _alive_outputs(self.ops)  # node -> its output Variable, where known: still alive,
        if outputs:  # recorded (record_ops), or a root
            self.outputs.update((n, outputs[n]) for n in self.ops if outputs.get(n) is not None)
        for r, node in zip(roots, self.roots):
            if isinstance(r, Variable) and type(node) is not AccumulateGrad:
                self.outputs[node] = r
        self.shapes = self._shapes()
        self.owner = self._owners()  # always known (collapse needs it); boxes drawn with cluster_modules
        self.modules = list(dict.fromkeys(self.owner[n] for n in self.nodes if n in self.owner))
        self.module_id = {m: k for k, m in enumerate(self.modules)}  # cluster_k, or m<k> when collapsed

    # ------------------------------------------------------------ reading the graph

    def variable(self, node):
        """The Variable a drawn node stands for (the leaf, or the op's output), or None."""
        return node.variable if type(node) is AccumulateGrad else self.outputs.get(node)

    def _shapes(self):
        """Each node's output shape: from the value if known, else from how its consumers saw it."""
        shapes = {}
        for n in self.nodes:
            var = self.variable(n)
            if var is not None:
                shapes[n] = tuple(var.shape)
        for n in reversed(self.nodes):  # from the output down: a node's shape is known before its inputs'
            in_shapes = getattr(n, "_shapes", ())
            if in_shapes is None and n in shapes:  # nothing was broadcast: each input has the output's shape
                in_shapes = [shapes[n]] * len(n._edges)
            for child, shape in zip(n._edges, in_shapes or ()):
                if child is not None and shape is not None:
                    shapes.setdefault(child, tuple(shape))
        return shapes

    def kind(self, node):
        if type(node) is AccumulateGrad:
            return "param" if id(node.variable) in self.names else "leaf"
        return "output" if node in self.roots else "value"

    def name(self, node):
        """The name shown on a value: the parameter's name, a Value's label, or ''."""
        var = self.variable(node)
        if var is None:
            return ""
        if id(var) in self.names:
            return self.names[id(var)]
        return getattr(var, "label", "") or ""

    def describe(self, node):
        """How the step-through text refers to a node's value."""
        name = self.name(node)
        if type(node) is AccumulateGrad:
            return name or f"leaf {_shape_text(self.shapes.get(node), None)}".strip()
        label = f"#{self.op_number[node]} {op_label(node)}" if node in self.op_number \
            else node.name()
        return f"{name} ({label} output)" if name else f"{label} output"

    def describe_op(self, node):
        """How a step's title names its node: ``#3 Mm (MmBackward0)``."""
        if type(node) is AccumulateGrad:
            return f"AccumulateGrad into {self.describe(node)}"
        number = f"#{self.op_number[node]} " if node in self.op_number else ""
        return f"{number}{op_label(node)} ({node.name()})"

    def module_label(self, mod):
        """A module's box title as ``print(model)`` shows it: ``(1): Linear`` (the index in a
        Sequential, or the attribute path such as ``(encoder.fc1): Linear``); a plain name for a dict."""
        kind = self.module_info.get(mod, (None,))[0]
        return f"({mod}): {kind}" if kind else mod

    def module_tooltip(self, mod):
        return self.module_info.get(mod, (None, mod))[1]

    def module_outputs(self, mod):
        """The nodes of module ``mod`` whose value leaves it (used outside it, or an output)."""
        inside = {n for n in self.nodes if self.owner.get(n) == mod}
        used_outside = {c for n in self.nodes if n not in inside for c in n._edges if c in inside}
        return [n for n in self.nodes if n in inside and (n in used_outside or n in self.roots)]

    def broadcast_axes(self, node, i):
        """Axes the gradient to input i of ``node`` is summed over (undoing broadcasting), or ()."""
        in_shapes = getattr(node, "_shapes", None)
        out_shape = self.shapes.get(node)
        if not in_shapes or in_shapes[i] is None or out_shape is None:
            return ()
        in_shape = tuple(in_shapes[i])
        try:
            if host.broadcast_shapes(in_shape, out_shape) != out_shape:
                return ()
        except ValueError:
            return ()
        from ..function import broadcast_axes

        return tuple(ax for ax in broadcast_axes(out_shape, in_shape) if out_shape[ax] != 1)

    def _owners(self):
        """Module of each node, by parameter ownership: an op belongs to module M when it uses
        M's parameters, directly or through ops on M's parameters alone (like W.T)."""
        owner, pure = {}, {}  # pure: node computed from one module's parameters only
        for n in self.nodes:
            if type(n) is AccumulateGrad:
                name = self.names.get(id(n.variable))
                mod = _module_of(name) if name else None
                if mod:
                    owner[n] = pure[n] = mod
                continue
            mods = {pure[c] for c in n._edges if c in pure}
            if len(mods) == 1:
                owner[n] = mods.pop()
                if all(c in pure for c in n._edges):  # a constant input (None) is data, not a parameter
                    pure[n] = owner[n]
        return owner

    # ------------------------------------------------------------ writing DOT

    def digraph(self, values=None, grads=None, partial=(), current=None, phase=None, future=(), title=None,
                show_values=True, show_grads=True, legend=False, placeholders=False, widths=None, collapse=()):
        """One picture of the graph.

        values / grads: {node: array or float} to show (missing -> not shown);
        partial: nodes whose gradient is not final yet (drawn "grad so far"); current: the node to
        highlight, with its edges coloured for ``phase`` ("forward" or "backward"); future: op nodes
        not computed yet (drawn faint); placeholders: keep a "data -" / "grad -" line where nothing
        is known yet and widths: {node: minimum box width in inches} (so that the boxes, and the
        layout, stay the same from one stepper frame to the next); collapse: module names (or True
        for all) to draw as one box each, showing the value that leaves the module."""
        frame = make_frame(values, grads, partial, current, phase, future, show_values, show_grads,
                           placeholders, widths)
        collapsed = self._collapsed(collapse)
        box = {n: f"m{self.module_id[self.owner[n]]}" if self.owner.get(n) in collapsed else f"v{i}"
               for i, n in enumerate(self.nodes)}  # the DOT node each graph node's value is drawn in
        g = Digraph("autograd", graph_attr=dict(rankdir=self.rankdir, nodesep="0.25", ranksep="0.3"),
                    node_attr=dict(fontname="Helvetica", fontsize="10", margin="0.06,0.03", height="0.3"),
                    edge_attr=dict(fontname="Helvetica", fontsize="9", arrowsize="0.7"))
        if title:
            g.attr(label=_esc(title), labelloc="t", fontname="Helvetica", fontsize="12")
        clusters = {}
        for n in self.nodes:
            mod = self.owner.get(n)
            if mod in collapsed:
                continue
            target = g
            if mod and self.cluster_modules:
                if mod not in clusters:
                    clusters[mod] = Digraph(f"cluster_{self.module_id[mod]}", graph_attr=dict(
                        label=_esc(self.module_label(mod)), tooltip=_esc(self.module_tooltip(mod)),
                        style="rounded,dashed", color="#748ffc", fontcolor="#4263eb", fontname="Helvetica",
                        fontsize="11"))
                target = clusters[mod]
            self._draw_node(target, n, frame)
        for sub in clusters.values():
            g.subgraph(sub)
        for mod in self.modules:
            if mod in collapsed:
                self._draw_module_box(g, mod, frame)
        drawn_edges = set()
        for n in self.ops:
            self._draw_inputs(g, n, box, frame, drawn_edges)
        if self.frontier:
            g.node("more", _esc(f"... {len(self.frontier)}+ more nodes not drawn\n"
                               f"(max_nodes={self.max_nodes}; pass a larger max_nodes to see them)"),
                   **STYLE["more"])
            for n in self.nodes:
                target = f"op{self.index[n]}" if box[n].startswith("v") else box[n]
                if any(c in self.frontier for c in n._edges) and ("more", target) not in drawn_edges:
                    drawn_edges.add(("more", target))
                    g.edge("more", target, style="dashed", color="#e03131")
        if legend:
            self._legend(g)
        return g

    def _collapsed(self, collapse):
        if collapse is True:
            return set(self.modules)
        names = {collapse} if isinstance(collapse, str) else set(collapse or ())
        unknown = sorted(names - set(self.modules))
        if unknown:
            known = ", ".join(self.modules) or "none (pass params=model to name them)"
            raise ValueError(f"draw_graph: collapse={sorted(names)}: no module named {', '.join(map(repr, unknown))} "
                             f"in this graph; its modules are: {known}")
        return names

    @staticmethod
    def _current_edge(phase):
        return BACKWARD_EDGE if phase == "backward" else FORWARD_EDGE

    def value_lines(self, n, frame, named=True):
        """The lines of a value box: name, shape and dtype, data, grad."""
        kind, var = self.kind(n), self.variable(n)
        lines = []
        name = self.name(n)
        if named and name:
            lines.append(name)
        elif named and kind in ("output", "leaf"):
            lines.append(kind)
        shape = self.shapes.get(n)
        dtype = getattr(var, "dtype", None) if var is not None else None
        lines.append(_shape_text(shape, None if dtype is None else str(dtype)) or "shape ?")
        if frame.show_values:
            if n in frame.values and n not in frame.future:
                lines.append(f"data {summarize(frame.values[n])}")
            elif frame.placeholders:
                lines.append("data -")
        if frame.show_grads:
            if frame.grads.get(n) is not None:
                lines.append(f"grad{' so far' if n in frame.partial else ''} {summarize(frame.grads[n])}")
            elif frame.placeholders:
                lines.append("grad -")
        return lines

    def _draw_node(self, g, n, frame):
        i, kind = self.index[n], self.kind(n)
        is_future, is_current = n in frame.future, n is frame.current
        attrs = dict(STYLE[kind])
        if is_future:
            attrs.update(FUTURE)
        if is_current:
            attrs.update(CURRENT)
        if n in frame.widths:
            attrs["width"] = f"{frame.widths[n]:.2f}"
        value_id = f"v{i}"
        g.node(value_id, _esc("\n".join(self.value_lines(n, frame))), tooltip=_esc(self.describe(n)), **attrs)
        if type(n) is AccumulateGrad:
            return
        op_attrs = dict(STYLE["op"])
        if is_future:
            op_attrs.update(FUTURE)
        if is_current:
            op_attrs.update(CURRENT, fillcolor=CURRENT_OP_FILL)
        g.node(f"op{i}", _esc(f"#{self.op_number[n]} {op_label(n)}"), tooltip=_esc(n.name()), **op_attrs)
        g.edge(f"op{i}", value_id, **(self._current_edge(frame.phase) if is_current else {}))

    def _draw_module_box(self, g, mod, frame):
        """A collapsed module: its title, what it holds, and the value that leaves it."""
        inside = [n for n in self.nodes if self.owner.get(n) == mod]
        n_params = sum(1 for n in inside if type(n) is AccumulateGrad)
        n_ops = len(inside) - n_params
        lines = [f"{self.module_label(mod)}  [+]",
                 f"{n_params} parameter{'s' * (n_params != 1)}, {n_ops} op{'s' * (n_ops != 1)}"]
        outputs = self.module_outputs(mod)
        if len(outputs) == 1:
            lines += self.value_lines(outputs[0], frame, named=False)
        attrs = dict(STYLE["module"])
        if outputs and all(n in frame.future for n in outputs):
            attrs.update(FUTURE, style="rounded,dashed")
        g.node(f"m{self.module_id[mod]}", _esc("\n".join(lines)),
               tooltip=_esc(f"{self.module_tooltip(mod)}: collapsed, click to expand"), **attrs)

    def _draw_inputs(self, g, n, box, frame, drawn):
        """The edges into op ``n`` (or into its collapsed module's box), and one dashed box naming
        the op's constant inputs by their role (``target, class weights``)."""
        i, edges, current = self.index[n], n._edges, frame.current
        hidden = not box[n].startswith("v")
        target = box[n] if hidden else f"op{i}"
        rule = derivative_rule(n)
        consts = []
        for k, child in enumerate(edges):
            if child is None:
                consts.append(arg_name(rule, k))
                continue
            if child not in self.index or (hidden and box[child] == target):
                continue  # beyond max_nodes, or an edge inside a collapsed module
            source = box[child]
            if hidden or not source.startswith("v"):  # into or out of a collapsed module: one plain edge
                if (source, target) not in drawn:
                    drawn.add((source, target))
                    g.edge(source, target, **({"style": "dashed", "color": "#ced4da"} if n in frame.future else {}))
                continue
            labels = [arg_name(rule, k)] if len(edges) > 1 else []
            axes = self.broadcast_axes(n, k)
            if axes:
                labels.append(f"grad summed over axis {', '.join(map(str, axes))}")
            attrs = {"label": _esc(" " + "\n".join(labels))} if labels else {}
            if n is current:
                attrs.update(self._current_edge(frame.phase))
            elif n in frame.future:
                attrs.update(style="dashed", color="#ced4da")
            g.edge(source, target, **attrs)
        if consts and (f"c{i}", target) not in drawn:
            drawn.add((f"c{i}", target))
            word = "constant" if len(consts) == 1 else "constants"
            g.node(f"c{i}", _esc("\n".join(wrap_words(consts) + [f"({word}, no grad)"])), **STYLE["const"])
            g.edge(f"c{i}", target, **{"style": "dashed", "color": "#adb5bd",
                                       **(self._current_edge(frame.phase) if n is current else {})})

    @staticmethod
    def _legend(g):
        with g.subgraph(name="cluster_legend") as leg:
            leg.attr(label="legend", style="rounded", color="#ced4da", fontname="Helvetica", fontsize="11")
            items = [("param", "parameter"), ("leaf", "leaf (input)"), ("value", "intermediate"),
                     ("output", "output"), ("op", "op (#n = forward order)"),
                     ("const", "an op's constant inputs"), ("module", "collapsed module")]
            for key, text in items:
                leg.node(f"legend_{key}", text, **STYLE[key])
            for (a, _), (b, _) in zip(items, items[1:]):
                leg.edge(f"legend_{a}", f"legend_{b}", style="invis")


# --------------------------------------------------------------------------- draw_graph


def current_values(model):
    """Values to show for a static drawing: each leaf's data and every known op output."""
    return {n: model.variable(n)._data for n in model.nodes if model.variable(n) is not None}


def current_grads(model):
    """Gradients stored on the variables (.grad of leaves, retained non-leaves, and Values)."""
    grads = {}
    for n in model.nodes:
        var = model.variable(n)
        if var is None:
            continue
        g = var.grad
        if type(n) is not AccumulateGrad and not getattr(var, "retains_grad", False):
            continue  # a non-leaf Tensor's .grad is None unless retain_grad()
        if g is not None:
            grads[n] = g
    return grads


def draw_graph(root, params=None, show_values=True, show_grads=True, legend=False, cluster_modules=False,
               max_nodes=200, rankdir="BT", ops=None, collapse=()):
    """Draw the graph behind ``root`` (a Tensor or Value, or a list of them) as a Digraph.

    params: a module (``named_parameters()``) or ``{name: tensor}`` to label parameters and,
        with ``cluster_modules=True``, to box each module's ops (a name's prefix before the
        last dot is its module, e.g. ``fc1.weight`` -> ``fc1``);
    show_values / show_grads: print each value's data / .grad (the number, the small array,
        or mean/min/max/norm); gradients appear once backward() has run;
    ops: the list from ``with ag.record_ops() as ops:``, to show intermediate values that
        are no longer alive (a Tensor graph keeps only what backward needs);
    max_nodes: graph nodes (ops + leaves) drawn at most; the rest is collapsed into a note;
    rankdir: "BT" (leaves at the bottom, default), "TB", "LR" or "RL";
    collapse: module names (``"1"``, ``"encoder.fc1"``) or True for every module: each is drawn
        as one box showing the value that leaves it (a big model on one screen).
    """
    outputs = {node: out for node, out in ops} if ops else None
    model = GraphModel(root, params, cluster_modules, max_nodes, rankdir, outputs)
    return model.digraph(values=current_values(model), grads=current_grads(model),
                         show_values=show_values, show_grads=show_grads, legend=legend, collapse=collapse)
