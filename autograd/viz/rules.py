"""Local derivative rules, in symbols and in words, for the step-through.

Each Function carries its own rule next to its backward (``rule = Rule(...)`` on the class,
ops/); ``derivative_rule(node)`` reads it. A Function without one (a user's own op) falls
back to the comment on its ``def backward(...):  # ...`` line, or to its docstring, so every
node gets a rule. The inputs are called a, b, c in order (unless a rule names them); G is
the upstream gradient d(loss)/d(out).
"""
import inspect

from ..graph import Rule, Variable


def arg_name(rule, i):
    """What the rule calls input i: its own name for it, else a, b, c..."""
    if rule.args and i < len(rule.args):
        return rule.args[i]
    return "abcdefghijklmnopqrstuvwxyz"[i] if i < 26 else f"input{i}"


def derivative_rule(node):
    """The Rule for a graph node: its class's own, else from its backward's comment or docstring."""
    cls = node._op if isinstance(node, Variable) else type(node)  # a Value is its own node: its op's class
    if cls.rule is not None:
        return cls.rule
    name = node.name()
    backward = getattr(cls, "backward", None)
    text = _backward_comment(backward) or _first_line(backward) or _first_line(cls)
    where = f"{cls.__module__}.{cls.__qualname__}.backward"
    if not text:
        return Rule(name, (f"see {where}",), "No rule recorded for this op.")
    return Rule(name, (text,), f"From the comment on {where}.")


def _backward_comment(fn):
    """The ``# ...`` comment at the end of ``def backward(...):``, if any."""
    try:
        lines = inspect.getsource(fn).splitlines()
    except (OSError, TypeError):
        return ""
    for line in lines:
        if line.lstrip().startswith("def ") and "#" in line:
            return line.split("#", 1)[1].strip()
        if line.rstrip().endswith(":"):
            break
    return ""


def _first_line(obj):
    doc = getattr(obj, "__doc__", None)  # its own docstring, not one inherited from Function
    return inspect.cleandoc(doc).splitlines()[0] if doc and doc.strip() else ""
