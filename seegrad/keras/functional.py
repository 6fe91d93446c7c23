"""The graph of a functional model (``Model(inputs, outputs)``), traced from its KerasTensors.

    trace(inputs, outputs)  the layer calls in an order that runs each after the calls making its
                            inputs (depth first from each output in turn, as Keras' _build_map)
    keras_order(...)        the layers in Keras' order (``model.layers``, ``get_weights``, the summary):
                            deepest first (the inputs), ties broken by the order the search met them
    connections(...)        the summary's "Connected to" cells: "dense[0][0], dense_1[0][0]" (the layer's
                            call, counted over all its functional-API calls, then the tensor's index)
    sequential_like(...)    whether Keras prints the summary without that column

A call of several outputs (an RNN with return_state) makes one KerasTensor each; its first output (``head``)
stands for the call in the steps, and each carries its ``index`` ("lstm[0][1]"). A call's inputs are its
positional KerasTensors then those of its keyword arguments (initial_state=[h, c]), as Keras counts them.
"""
__all__ = ["trace", "keras_order", "connections", "sequential_like"]


def trace(inputs, outputs):
    """(steps, first_seen) of the graph from ``inputs`` to ``outputs`` (a list of KerasTensors): steps
    are (layer, input KerasTensors, output KerasTensor) in an order where each call follows the calls
    making its inputs; first_seen maps id(op) to the index at which the
    search first met it (an input's op is its InputLayer, ``tensor.origin``)."""
    steps, done, first_seen = [], {id(t) for t in inputs}, {}
    is_input = {id(t) for t in inputs}

    def visit(t):  # depth first from the output, as Keras' _build_map_helper (pre-order indices)
        op = t.origin if id(t) in is_input else t.layer
        if op is not None:
            first_seen.setdefault(id(op), len(first_seen))
        t = t.head  # (the call's first output stands for the call)
        if id(t) in done:
            return
        if t.layer is None:
            raise ValueError(f"Model: the outputs do not come from the given inputs (reached {t!r}, which is "
                             "not in `inputs`)")
        for src in t.inputs:
            visit(src)
        done.add(id(t))
        steps.append((t.layer, t.inputs, t))
    for output in outputs:
        visit(output)
    return steps, first_seen


def keras_order(inputs, input_layers, steps, first_seen):
    """Every layer (InputLayers included) as Keras' map_graph orders them: by depth (distance from the
    output, the largest across a layer's calls) descending, then by ``first_seen``."""
    op_of = {id(t): layer for t, layer in zip(inputs, input_layers)}
    op_of.update({id(out): layer for layer, _, out in steps})
    tensors = list(inputs) + [out for _, _, out in steps]
    node_depth, op_depth = {}, {}
    for layer, srcs, out in reversed(steps):  # from the output back, as Keras
        depth = max(node_depth.setdefault(id(out), 0), op_depth.get(id(layer), 0))
        op_depth[id(layer)] = node_depth[id(out)] = depth
        for src in srcs:
            src = src.head
            node_depth[id(src)] = max(depth + 1, node_depth.get(id(src), 0))
    for t, layer in zip(inputs, input_layers):
        op_depth[id(layer)] = node_depth.get(id(t), 0)
    ops = []
    for t in tensors:
        if all(op is not op_of[id(t)] for op in ops):
            ops.append(op_of[id(t)])
    return sorted(ops, key=lambda op: (-op_depth[id(op)], first_seen.get(id(op), -1)))


def sequential_like(steps):
    """Keras prints a functional model's summary as a Sequential's when each layer is called once on
    one input and no two calls share a depth (a chain)."""
    layers = [layer for layer, _, _ in steps]
    return all(len(srcs) == 1 for _, srcs, _ in steps) and len({id(x) for x in layers}) == len(layers) and all(
        srcs[0].head is prev for (_, srcs, _), prev in zip(steps[1:], [out for _, _, out in steps]))


def connections(layer, inputs, input_layers, steps):
    """What ``layer``'s calls take, as Keras writes it: "<producer>[call index][tensor index]", or "-"."""
    made_by = {id(t): (op, 0) for t, op in zip(inputs, input_layers)}
    for op, _, out in steps:  # the index among all the layer's calls, in this model or others (as Keras')
        made_by[id(out)] = (op, out.call_index)
    cells = [f"{made_by[id(src.head)][0].name}[{made_by[id(src.head)][1]}][{src.index}]"
             for op, srcs, _ in steps if op is layer for src in srcs]
    return ", ".join(cells) or "-"
