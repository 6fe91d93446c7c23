"""Keras' losses, computed as Keras 3 computes them, on tensors (so they backpropagate).

Each loss is a per-sample function ``fn(y_true, y_pred)`` (the mean over the last axis for the
elementwise ones) reduced by "sum_over_batch_size": the sum over the batch divided by its size.
Before the function, y_true and y_pred are brought to the same rank when they differ by a last
axis of 1 ((N,) labels against (N, 1) outputs), as Keras does: no silent broadcasting to (N, N).

Without ``from_logits``, the probability losses clip y_pred to [1e-7, 1 - 1e-7] (Keras'
epsilon) first, so their gradient is 0 where an output is saturated; categorical ones also divide
y_pred by its sum. That is Keras' recipe, and why ``from_logits=True`` on a raw output is the
stable form (PyTorch's CrossEntropyLoss and BCEWithLogitsLoss).

Names: "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
"mean_squared_error" / "mse", "mean_absolute_error" / "mae"; or any ``fn(y_true, y_pred)``.
"""
import numpy as np

import autograd as ag
import nn.functional as F

from .utils import not_supported

__all__ = ["Loss", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "MeanSquaredError", "MeanAbsoluteError", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "mean_squared_error", "mean_absolute_error", "mse", "mae", "get"]

EPSILON = 1e-7  # keras.backend.epsilon()


def _same_rank(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank: when ranks differ by one and the longer has a last
    axis of 1, expand a 1-d partner to (N, 1), else squeeze that axis."""
    t, p = y_true.ndim, y_pred.ndim
    if t == p + 1 and y_true.shape[-1] == 1:
        return (y_true, y_pred.unsqueeze(-1)) if p == 1 else (y_true.squeeze(-1), y_pred)
    if p == t + 1 and y_pred.shape[-1] == 1:
        return (y_true.unsqueeze(-1), y_pred) if t == 1 else (y_true, y_pred.squeeze(-1))
    return y_true, y_pred


def _prediction(y_pred):
    """y_pred as a float32 Tensor: the model's output as it is, or numbers given by hand (Keras takes numpy)."""
    if isinstance(y_pred, ag.Tensor):
        return y_pred
    return ag.from_numpy(np.ascontiguousarray(y_pred, dtype=np.float32))


def _target(y_true, like):
    y = y_true if isinstance(y_true, ag.Tensor) else ag.from_numpy(np.asarray(y_true))
    return y.to(like.dtype) if y.dtype != like.dtype else y


def _check_same_shape(name, y_true, y_pred):
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"{name}: Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}")


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over the last axis of -(y log p + (1-y) log(1-p)), p = clip(y_pred) (or sigmoid of a logit)."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        bce = F.binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), y_true, reduction="none")
    return bce.mean(axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum over classes of y log p, p = clip(y_pred / sum(y_pred)) (or log_softmax of logits)."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if from_logits:
        log_prob = y_pred.log_softmax(axis)
    else:
        log_prob = (y_pred / y_pred.sum(axis, keepdim=True)).clamp(EPSILON, 1.0 - EPSILON).log()
    return -(y_true * log_prob).sum(axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log p[y] with integer labels y (batch,) or (batch, 1); p as in categorical_crossentropy."""
    if ignore_class is not None:
        not_supported("sparse_categorical_crossentropy(ignore_class=...)")
    if axis not in (-1, y_pred.ndim - 1):
        not_supported(f"sparse_categorical_crossentropy(axis={axis})", "classes are on the last axis")
    y_pred = _prediction(y_pred)
    y_true = y_true if isinstance(y_true, ag.Tensor) else ag.from_numpy(np.asarray(y_true))
    labels = y_true.long() if y_true.dtype != np.int64 else y_true
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    ids = labels.numpy()
    if ids.size and (ids.min() < 0 or ids.max() >= y_pred.shape[-1]):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be class indices in [0, {y_pred.shape[-1]}) "
                         f"for {y_pred.shape[-1]} outputs, got values from {ids.min()} to {ids.max()}")
    if tuple(labels.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError("sparse_categorical_crossentropy: Arguments `target` and `output` must have the same shape "
                         f"up until the last dimension: target.shape={tuple(y_true.shape)}, "
                         f"output.shape={tuple(y_pred.shape)}")
    if from_logits:
        log_prob = y_pred.log_softmax(-1)
    else:
        log_prob = (y_pred / y_pred.sum(-1, keepdim=True)).clamp(EPSILON, 1.0 - EPSILON).log()
    picked = log_prob.reshape(-1, log_prob.shape[-1])[np.arange(ids.size), ids.reshape(-1)]
    return -picked.reshape(labels.shape)


def mean_squared_error(y_true, y_pred):
    """mean over the last axis of (y_true - y_pred)^2."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    return ((y_true - y_pred) ** 2).mean(-1)


def mean_absolute_error(y_true, y_pred):
    """mean over the last axis of |y_true - y_pred|."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    return (y_true - y_pred).abs().mean(-1)


mse, mae = mean_squared_error, mean_absolute_error


class Loss:
    """``loss(y_true, y_pred)`` -> a scalar tensor: the per-sample function, then the reduction
    ("sum_over_batch_size" (default) / "mean": sum / number of values; "sum"; None / "none": per sample)."""

    def __init__(self, fn, name, reduction="sum_over_batch_size", **options):
        if reduction not in ("sum_over_batch_size", "mean", "sum", None, "none"):
            raise ValueError(f"{type(self).__name__}: invalid reduction {reduction!r}; use 'sum_over_batch_size', "
                             "'sum' or None")
        self.fn, self.name, self.reduction, self.options = fn, name, reduction, options

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The per-sample losses, each times its ``sample_weight`` when given, then reduced: with
        "sum_over_batch_size" the weighted sum is divided by the number of values (not by the weights' sum)."""
        y_true = y_true if isinstance(y_true, ag.Tensor) else ag.from_numpy(np.asarray(y_true))
        y_pred = _prediction(y_pred)
        if self.fn is not sparse_categorical_crossentropy:
            y_true, y_pred = _same_rank(y_true, y_pred)
        values = self.fn(y_true, y_pred, **self.options)
        if sample_weight is not None:
            values = values * self._weights(sample_weight, values)
        if self.reduction in (None, "none") or values.ndim == 0:
            return values
        total = values.sum()
        return total if self.reduction == "sum" else total / max(values.numel(), 1)

    def _weights(self, sample_weight, values):
        """``sample_weight`` as a float32 tensor shaped like ``values`` (Keras squeezes or expands a last axis of 1)."""
        w = sample_weight if isinstance(sample_weight, ag.Tensor) else ag.from_numpy(np.asarray(sample_weight,
                                                                                               np.float32))
        w = w.to(values.dtype) if w.dtype != values.dtype else w
        values_like, w = _same_rank(values, w)
        if tuple(w.shape) != tuple(values_like.shape):
            raise ValueError(f"{self.name}: sample_weight of shape {tuple(w.shape)} does not match the per-sample "
                             f"losses of shape {tuple(values.shape)}; pass one weight per sample, "
                             f"shape ({len(values)},)")
        return w.reshape(values.shape)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, **self.options}

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"


def _loss_class(cls_name, fn, default_name, doc, **defaults):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, **options):
        unknown = set(options) - set(defaults)
        if unknown:
            raise TypeError(f"{cls_name}: unexpected argument(s) {sorted(unknown)}")
        Loss.__init__(self, fn, name, reduction, **{**defaults, **options})

    return type(cls_name, (Loss,), {"__init__": __init__, "__doc__": doc})


BinaryCrossentropy = _loss_class("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                                 binary_crossentropy.__doc__, from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", categorical_crossentropy, "categorical_crossentropy",
                                      categorical_crossentropy.__doc__, from_logits=False, label_smoothing=0.0)
SparseCategoricalCrossentropy = _loss_class("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                            "sparse_categorical_crossentropy",
                                            sparse_categorical_crossentropy.__doc__, from_logits=False)
MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                               mean_squared_error.__doc__)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                                mean_absolute_error.__doc__)

NAMES = {"binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
         "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
         "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
         "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError}
NAMES.update({cls.__name__: cls for cls in set(NAMES.values())})  # Keras takes the class names too
NAMES.update(bce=BinaryCrossentropy, BCE=BinaryCrossentropy, MSE=MeanSquaredError, MAE=MeanAbsoluteError)
FUNCTIONS = {binary_crossentropy: "binary_crossentropy", categorical_crossentropy: "categorical_crossentropy",
             sparse_categorical_crossentropy: "sparse_categorical_crossentropy",
             mean_squared_error: "mean_squared_error", mean_absolute_error: "mean_absolute_error"}


def get(identifier):
    """A Loss from a Keras name ("binary_crossentropy", "mse"...), a Loss, one of this module's
    functions, or any ``fn(y_true, y_pred)`` returning per-sample losses."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier not in NAMES:
            not_supported(f"the loss {identifier!r}", f"known: {', '.join(NAMES)}")
        return NAMES[identifier](name=identifier)
    if identifier in FUNCTIONS:
        return NAMES[FUNCTIONS[identifier]]()
    if callable(identifier):
        return Loss(identifier, getattr(identifier, "__name__", "loss"))
    raise TypeError(f"a loss is a name like 'mse', a Loss or a function(y_true, y_pred), got {identifier!r}")


def __getattr__(name):  # a Keras losses this front end does not have: say so by its name
    if name[:1].isupper():
        not_supported(f"keras.losses.{name}", f"available: {', '.join(__all__[1:6])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
