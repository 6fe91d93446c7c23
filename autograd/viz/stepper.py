"""Stepper: the forward pass op by op, then the backward pass node by node.

    st = ag.viz.Stepper(lambda: ((x @ W + b).relu() ** 2).mean(), params={"W": W, "b": b})
    for step in st:          # forward frames, then backward frames
        print(step)          # what happened, the local derivative rule, the gradients
    st.widget()              # in Jupyter
    st.to_html("steps.html")

Forward frames are the ops in the order they were recorded (``ag.record_ops``).
Backward frames come from ``ag.backward_steps(..., trace=True)``, the generator that
``backward()`` drains, advanced one step per frame as you iterate: the engine does the
work, the stepper only watches and keeps copies of what it saw. So once the last frame
is reached the leaves' ``.grad`` hold exactly what ``backward()`` would have put there.
Pictures are rendered only when a frame is shown, and cached.
"""
from ..backend import host

from ..graph import AccumulateGrad, Variable, backward_steps, record_ops
from .draw import GraphModel, make_frame, summarize, text_width_in
from .rules import arg_name, derivative_rule


def _copy(x):
    """A private copy of a value or gradient, so later in-place updates don't change a frame."""
    if x is None or isinstance(x, (float, int)):
        return x
    if isinstance(x, Variable):
        x = x._data
    return host.array(x, copy=True) if isinstance(x, host.ndarray) else x


def _so_far(x):
    return "nothing yet" if x is None else summarize(x)


def _add(a, b):
    return b if a is None else a + b


class Step:
    """One frame of the step-through.

    phase: "forward" or "backward"; number: 1-based within its phase; node: the graph node.
    Backward frames also hold grad_output (the upstream gradient), and per input edge
    (``inputs``: a list of dicts) its gradient contribution and the accumulated gradient
    before and after this step. ``str(step)`` is the explanation; ``step.svg()`` the picture.
    """

    def __init__(self, stepper, index, phase, number, total, node, lines, state):
        self._stepper, self.index, self.phase, self.number, self.total = stepper, index, phase, number, total
        self.node, self.lines, self._state, self._svgs = node, lines, state, {}
        self.grad_output, self.inputs = None, []

    @property
    def title(self):
        total = f"/{self.total}" if self.total else ""
        return f"{self.phase} {self.number}{total}: {self._stepper.model.describe_op(self.node)}"

    def text(self):
        return "\n".join([self.title] + ["  " + line for line in self.lines])

    __str__ = text

    def __repr__(self):
        return f"<Step {self.index}: {self.title}>"

    def graph(self, compact=None, expand=()):
        """The graph with this step's node highlighted (a Digraph). compact (default: the
        stepper's): draw every module as one box except the one holding this step's node and
        those named in ``expand``."""
        st = self._stepper
        return st.model.digraph(title=self.title, phase=self.phase, show_values=st.show_values,
                                show_grads=st.show_grads, legend=st.legend, placeholders=True,
                                widths=st._box_widths(), collapse=self.collapsed(compact, expand), **self._state)

    def collapsed(self, compact=None, expand=()):
        """The modules drawn as one box in this frame's compact picture (none unless compact)."""
        st = self._stepper
        if not (st.compact if compact is None else compact):
            return set()
        expand = {expand} if isinstance(expand, str) else set(expand)
        unknown = sorted(expand - set(st.model.modules))
        if unknown:
            raise ValueError(f"Stepper: expand={sorted(expand)}: no module named {', '.join(map(repr, unknown))}; "
                             f"the graph's modules are: {', '.join(st.model.modules) or 'none'}")
        return set(st.model.modules) - {st.model.owner.get(self.node)} - expand

    @property
    def dot_ids(self):
        """The picture's node ids of this step's node: its op and its value (``op5``, ``v5``), or
        the leaf's box (``v2``): what a front end keeps in view."""
        i = self._stepper.model.index.get(self.node)
        if i is None:
            return []
        return [f"v{i}"] if type(self.node) is AccumulateGrad else [f"op{i}", f"v{i}"]

    def svg(self, compact=None, expand=()):
        """This frame's picture as an SVG string (rendered once per variant, then cached)."""
        final = self._stepper._finished  # box widths are fixed once every frame is known
        key = (final, frozenset(self.collapsed(compact, expand)))
        if key not in self._svgs:
            self._svgs[key] = self.graph(compact, expand).pipe(format="svg", encoding="utf-8")
        return self._svgs[key]

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/svg+xml": self.svg(), "text/plain": self.text()}


class Stepper:
    """Step through the forward and backward pass of a scalar output.

    fn_or_root: a function of no arguments returning the output (its ops are recorded while
        it runs), or the output itself (pass ``ops`` from ``with ag.record_ops() as ops:`` to
        show the forward values; without them only values still alive are shown);
    params: module or {name: tensor}, for names (and clusters, with cluster_modules=True);
    gradient: the seed for a non-scalar output; retain_graph: as for backward();
    compact: draw each module (found from ``params``) as one box, except the module holding the
        current step's node, so that a big model fits on one screen.
    Iterating runs the backward pass one node at a time; ``frames`` runs it all.
    """

    def __init__(self, fn_or_root, params=None, *, ops=None, gradient=None, retain_graph=False,
                 show_values=True, show_grads=True, legend=False, cluster_modules=False, max_nodes=200,
                 rankdir="BT", compact=False):
        if callable(fn_or_root) and not isinstance(fn_or_root, Variable):
            with record_ops() as ops:
                root = fn_or_root()
        else:
            root = fn_or_root
        if not isinstance(root, Variable):
            raise TypeError(f"Stepper: expected a Tensor or Value (or a function returning one), "
                            f"got {type(root).__name__}")
        if not root.requires_grad:
            raise RuntimeError("Stepper: the output does not require grad and has no grad_fn; compute it "
                               "from inputs created with requires_grad=True")
        self.root = root
        self.show_values, self.show_grads, self.legend, self.compact = show_values, show_grads, legend, compact
        recorded = {node: out for node, out in ops} if ops else {}
        self.model = model = GraphModel(root, params, cluster_modules, max_nodes, rankdir, recorded)
        self._seed = root._root_grad(gradient, "Stepper")
        self._retain_graph = retain_graph
        # forward values, copied now (an optimizer step may change parameters in place later)
        self.values = {n: _copy(model.variable(n)._data) for n in model.nodes if model.variable(n) is not None}
        if ops:
            order = [node for node, _ in ops if node in model.index]
        else:
            order = list(model.ops)  # no recording: forward order of the graph itself
        self._frames = []
        self._forward_frames(order)
        self._walk = None  # the backward generator, started on the first backward frame
        self._finished = False
        self._widths = None

    # ------------------------------------------------------------ frames

    def _forward_frames(self, order):
        model = self.model
        leaves = {n: self.values[n] for n in model.nodes if type(n) is AccumulateGrad and n in self.values}
        known = dict(leaves)
        pending = set(order)
        for k, node in enumerate(order):
            pending.discard(node)
            if node in self.values:
                known[node] = self.values[node]
            rule = derivative_rule(node)
            lines = [f"computes {rule.formula}"]
            for i, child in enumerate(node._edges):
                arg = arg_name(rule, i)
                lines.append(f"input {arg}: " + (model.describe(child) if child is not None
                                                  else "a constant (needs no gradient)"))
            shape = model.shapes.get(node)
            value = self.values.get(node)
            lines.append(f"output: shape {shape}" + (f", data {summarize(value)}" if value is not None
                                                      else " (value not kept: record the forward pass)"))
            state = dict(values=dict(known), current=node, future=frozenset(pending))
            self._frames.append(Step(self, len(self._frames), "forward", k + 1, len(order), node, lines, state))
        self.n_forward = len(self._frames)

    def _start_backward(self):
        model = self.model
        self._leaf_before = {n: _copy(n.variable.grad) for n in model.nodes if type(n) is AccumulateGrad}
        self._grads, self._partial = {}, {}
        self._walk = backward_steps([self.root._node()], [self._seed], retain_graph=self._retain_graph,
                                    trace=True)

    def _next_backward(self):
        """Advance the engine's walk by one node and make its frame (False when it is done)."""
        if self._finished:
            return False
        if self._walk is None:
            self._start_backward()
        step = next(self._walk, None)
        if step is None:
            self._finished = True
            return False
        model, node = self.model, step.node
        rule = derivative_rule(node)
        grad_out = _copy(step.grad_output)
        self._grads[node] = grad_out
        self._partial.pop(node, None)
        number = len(self._frames) - self.n_forward + 1
        lines = [f"rule: {rule.formula};  " + ";  ".join(rule.derivatives), f"      {rule.words}"]
        seed = " (the seed: d out/d out = 1)" if number == 1 and node is self.root._node() else ""
        lines.append(f"upstream grad G{seed}: {summarize(grad_out)}")
        inputs = []
        if type(node) is AccumulateGrad:
            before = self._leaf_before.get(node)
            after = _copy(node.variable.grad)
            name = model.describe(node)
            if node in self._leaf_before:
                lines.append(f"{name}.grad: before {_so_far(before)}  ->  after {summarize(after)}")
            else:  # a leaf beyond max_nodes: its .grad was not copied before the walk
                lines.append(f"{name}.grad: now {summarize(after)} (not drawn: beyond max_nodes)")
            inputs.append(dict(node=node, grad=grad_out, before=before, after=after))
            self._grads[node] = after  # the leaf box shows its .grad
        else:
            running = {}
            for i, (child, g) in enumerate(zip(node._edges, step.grad_inputs)):
                arg = arg_name(rule, i)
                if child is None or g is None:
                    lines.append(f"input {arg}: a constant, no gradient")
                    continue
                before = running[child] if child in running else _copy(step.grads_before[i])
                g = _copy(g)
                after = _add(before, g)
                running[child] = after
                if child not in self._grads:
                    self._partial[child] = after
                axes = model.broadcast_axes(node, i)
                summed = f" (summed over axis {', '.join(map(str, axes))})" if axes else ""
                lines.append(f"input {arg} = {model.describe(child)}: sends {summarize(g)}{summed}")
                lines.append(f"    its gradient so far: before {_so_far(before)}  ->  after {summarize(after)}")
                inputs.append(dict(node=child, grad=g, before=before, after=after))
        state = dict(values=dict(self.values), grads={**self._grads, **self._partial},
                     partial=frozenset(self._partial), current=node)
        frame = Step(self, len(self._frames), "backward", number, None, node, lines, state)
        frame.grad_output, frame.inputs = grad_out, inputs
        self._frames.append(frame)
        return True

    def _box_widths(self):
        """{node: width} wide enough for the node's label in every frame, so that boxes keep
        their size and the layout stays put while stepping (None until every frame is known)."""
        if not self._finished:
            return None
        if self._widths is None:
            model, widths, seen = self.model, {}, set()
            for f in self._frames:
                frame = make_frame(phase=f.phase, show_values=self.show_values, show_grads=self.show_grads,
                                   placeholders=True, **f._state)
                for n in model.nodes:
                    key = (n, id(frame.values.get(n)), n in frame.future, id(frame.grads.get(n)), n in frame.partial)
                    if key in seen:
                        continue
                    seen.add(key)
                    width = max(text_width_in(line) for line in model.value_lines(n, frame)) + 0.2
                    widths[n] = max(widths.get(n, 0.0), width)
            self._widths = widths
        return self._widths

    def _fill_totals(self):
        n_back = len(self._frames) - self.n_forward
        for f in self._frames[self.n_forward:]:
            f.total = n_back

    @property
    def frames(self):
        """Every frame (runs the rest of the backward pass)."""
        while self._next_backward():
            pass
        self._fill_totals()
        return list(self._frames)

    def __iter__(self):
        i = 0
        while i < len(self._frames) or self._next_backward():
            yield self._frames[i]
            i += 1
        self._fill_totals()

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, index):
        if index < 0:
            return self.frames[index]
        while index >= len(self._frames) and self._next_backward():
            pass
        if index >= len(self._frames):
            self._fill_totals()
            raise IndexError(f"Stepper: frame {index} out of range ({len(self._frames)} frames)")
        return self._frames[index]

    def text(self):
        """Every frame's explanation, one after another (for a terminal)."""
        return "\n\n".join(str(f) for f in self.frames)

    # ------------------------------------------------------------ front ends

    def widget(self, interval_ms=900):
        """An ipywidgets player: previous / next / play (one frame per ``interval_ms``) and a slider."""
        from .widget import StepperWidget

        return StepperWidget(self, interval_ms)

    def to_html(self, path, title="autograd step-through", interval_ms=900, compact=None):
        """Write a self-contained HTML page (inline SVG and JS, no network) that steps through
        the same frames with buttons and keys, the graph beside the explanation and the step's
        node kept in view; compact (default: when the model has modules) adds a view with each
        module as one box. Returns the path."""
        from .html import write_html

        return write_html(self, path, title, interval_ms, compact)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())

