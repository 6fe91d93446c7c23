"""See the graph: draw it, and step through the forward and backward pass one node at a time.

    import autograd as ag
    ag.viz.draw_graph(loss, params=model)            # a graphviz Digraph; inline in Jupyter
    st = ag.viz.Stepper(lambda: loss_fn(model, x, y), params=model)
    for step in st: print(step)                      # terminal
    st.widget()                                      # Jupyter: prev / next / play / slider
    st.to_html("steps.html")                         # a self-contained page, no kernel needed

Both read the graph and never change an op; the backward frames come from the very
``ag.backward_steps`` generator that ``backward()`` drains. Rendering uses
``autograd.render`` (system dot if present, else pip-installed Graphviz builds).
"""
from .draw import Digraph, GraphModel, draw_graph, summarize
from .rules import Rule, derivative_rule
from .stepper import Step, Stepper

__all__ = ["Digraph", "GraphModel", "Rule", "Step", "Stepper", "derivative_rule", "draw_graph",
           "summarize"]
