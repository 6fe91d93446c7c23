"""Local derivative rules, in symbols and in words, for the step-through.

``derivative_rule(node)`` looks the node up by name (``"MulBackward0"``); an op this
table does not know (a new primitive, an nn op) falls back to the comment on its
``def backward(...):  # ...`` line, or to its docstring, so every node gets a rule.
The inputs are called a, b, c in order (unless a rule names them); G is the upstream
gradient d(loss)/d(out).
"""
import inspect
from collections import namedtuple

Rule = namedtuple("Rule", ["formula", "derivatives", "words", "args"], defaults=(None,))
Rule.__doc__ = ("formula: the forward (out = a * b); derivatives: one line per input; words: the idea; "
                "args: the inputs' names when not a, b, c...")

RULES = {
    "AccumulateGrad": Rule(
        "leaf.grad += G", ("d(leaf.grad)/dG = 1: G is added as it is",),
        "A leaf adds the gradient it receives into .grad; uses of the same leaf add up."),
    "AddBackward0": Rule(
        "out = a + b", ("d(a+b)/da = 1", "d(a+b)/db = 1"),
        "Addition copies the upstream gradient to both inputs unchanged."),
    "SubBackward0": Rule(
        "out = a - b", ("d(a-b)/da = 1", "d(a-b)/db = -1"),
        "Subtraction passes the gradient to a and its negative to b."),
    "MulBackward0": Rule(
        "out = a * b", ("d(a*b)/da = b", "d(a*b)/db = a"),
        "Each factor's gradient is the upstream gradient times the other factor."),
    "DivBackward0": Rule(
        "out = a / b", ("d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"),
        "Dividing scales the gradient by 1/b; b gets -a/b^2 times the gradient."),
    "PowBackward0": Rule(
        "out = a ** b", ("d(a^b)/da = b * a^(b-1)", "d(a^b)/db = a^b * log(a)"),
        "The power rule for the base; the exponential rule for the exponent."),
    "MaximumBackward0": Rule(
        "out = maximum(a, b)", ("d/da = 1 where a > b (1/2 on ties)", "d/db = 1 where b > a (1/2 on ties)"),
        "The gradient goes to whichever input was larger."),
    "MinimumBackward0": Rule(
        "out = minimum(a, b)", ("d/da = 1 where a < b (1/2 on ties)", "d/db = 1 where b < a (1/2 on ties)"),
        "The gradient goes to whichever input was smaller."),
    "WhereBackward0": Rule(
        "out = where(cond, a, b)", ("(no gradient for cond)", "d/da = 1 where cond", "d/db = 1 where not cond"),
        "The gradient goes to the input that was picked, element by element."),
    "MatMulBackward0": Rule(
        "out = a @ b", ("d(a@b)/da: G @ b^T", "d(a@b)/db: a^T @ G"),
        "A matrix product sends G @ b^T to a and a^T @ G to b (shapes match a and b)."),
    "LinearBackward0": Rule(
        "out = x @ W^T + b", ("d/dx: G @ W", "d/dW: G^T @ x", "d/db: G summed over the batch"),
        "A linear layer in one op: x gets G @ W, the weight G^T @ x, the bias the sum of G.",
        ("x", "W", "b")),
    "NegBackward0": Rule("out = -a", ("d(-a)/da = -1",), "Negation flips the gradient's sign."),
    "ExpBackward0": Rule("out = exp(a)", ("d(e^a)/da = e^a = out",), "exp is its own derivative."),
    "LogBackward0": Rule("out = log(a)", ("d(log a)/da = 1/a",), "The gradient is divided by a."),
    "Log1pBackward0": Rule("out = log(1 + a)", ("d(log(1+a))/da = 1/(1+a)",), "The gradient is divided by 1+a."),
    "SqrtBackward0": Rule("out = sqrt(a)", ("d(sqrt a)/da = 1/(2 sqrt a)",), "The gradient is divided by 2*out."),
    "AbsBackward0": Rule("out = |a|", ("d|a|/da = sign(a)",), "The gradient keeps or flips its sign with a."),
    "SignBackward0": Rule("out = sign(a)", ("d sign(a)/da = 0",), "sign is flat: no gradient flows."),
    "SinBackward0": Rule("out = sin(a)", ("d(sin a)/da = cos a",), "The gradient is scaled by cos a."),
    "CosBackward0": Rule("out = cos(a)", ("d(cos a)/da = -sin a",), "The gradient is scaled by -sin a."),
    "TanhBackward0": Rule(
        "out = tanh(a)", ("d(tanh a)/da = 1 - tanh(a)^2 = 1 - out^2",),
        "tanh squashes: the gradient shrinks where the output is near -1 or 1."),
    "SigmoidBackward0": Rule(
        "out = sigmoid(a)", ("d(sigma a)/da = out * (1 - out)",),
        "The sigmoid's slope is out*(1-out): at most 1/4, tiny where it saturates."),
    "ReluBackward0": Rule(
        "out = relu(a) = max(a, 0)", ("d relu(a)/da = 1 if a > 0 else 0",),
        "ReLU lets the gradient through where the input was positive and blocks it elsewhere."),
    "ClampBackward0": Rule(
        "out = clamp(a, min, max)", ("d/da = 1 inside [min, max], 0 where clipped",),
        "The gradient passes where the value was not clipped."),
    "SumBackward0": Rule(
        "out = sum(a)", ("d(sum a)/da_i = 1",),
        "A sum copies the gradient back to every element it added up."),
    "AmaxBackward0": Rule(
        "out = max(a)", ("d max(a)/da_i = 1 for the largest element (shared among ties)",),
        "Only the largest element gets the gradient."),
    "MaxDimBackward0": Rule(
        "out = max(a, dim)", ("d/da_i = 1 for the chosen element",),
        "Only the element that was picked gets the gradient."),
    "ProdBackward0": Rule(
        "out = prod(a)", ("d(prod a)/da_i = product of the other elements",),
        "Each element's gradient is the product of all the others."),
    "LogSumExpBackward0": Rule(
        "out = log(sum(exp(a)))", ("d/da = softmax(a)",),
        "The gradient is spread by the softmax of the input."),
    "SoftmaxBackward0": Rule(
        "s = softmax(a)", ("d/da = s * (G - sum(G * s))",),
        "The Jacobian of softmax, applied without building it."),
    "LogSoftmaxBackward0": Rule(
        "out = log_softmax(a)", ("d/da = G - softmax(a) * sum(G)",),
        "The gradient minus the softmax times its total."),
    "ReshapeBackward0": Rule(
        "out = a.reshape(shape)", ("d/da: G reshaped back to a's shape",),
        "Reshaping moves no numbers: the gradient is reshaped back."),
    "PermuteBackward0": Rule(
        "out = a.permute(dims)", ("d/da: G permuted back",),
        "Transposing moves numbers: the gradient is moved back by the inverse permutation."),
    "ExpandBackward0": Rule(
        "out = a.expand(shape)", ("d/da: G summed over the expanded axes",),
        "Every copy made by broadcasting sends its gradient home, where they add up."),
    "GetItemBackward0": Rule(
        "out = a[index]", ("d/da: G scattered into zeros at the index (added where picked twice)",),
        "Picked elements get their gradient; the others get zero."),
    "IndexAddBackward0": Rule(
        "out = zeros.index_add(index, a)", ("d/da: G picked at the same index",),
        "Linear in its input: the gradient is picked at the same places."),
    "CatBackward0": Rule(
        "out = cat([a, b, ...], dim)", ("d/da, d/db, ...: each input's slice of G",),
        "Each input gets back its own slice of the gradient."),
    "CastBackward0": Rule(
        "out = a.to(dtype)", ("d/da = 1 (cast back to a's dtype)",), "The gradient is cast back."),
    "CloneBackward0": Rule("out = a.clone()", ("d(copy a)/da = 1",), "A copy passes the gradient through."),
}


def arg_name(rule, i):
    """What the rule calls input i: its own name for it, else a, b, c..."""
    if rule.args and i < len(rule.args):
        return rule.args[i]
    return "abcdefghijklmnopqrstuvwxyz"[i] if i < 26 else f"input{i}"


def derivative_rule(node):
    """The Rule for a graph node: from the table, else from its backward's comment or docstring."""
    name = node.name()
    if name in RULES:
        return RULES[name]
    cls = type(node)
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
