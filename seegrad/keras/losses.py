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
"mean_squared_error" / "mse", "mean_absolute_error" / "mae", "hinge", "squared_hinge",
"categorical_hinge", "huber", "log_cosh", "kl_divergence" / "kld", "poisson",
"mean_absolute_percentage_error" / "mape", "mean_squared_logarithmic_error" / "msle",
"cosine_similarity" (and Keras' class names); or any ``fn(y_true, y_pred)``.
"""
import numpy as np

import autograd as ag
import nn.functional as F

from .utils import not_supported

__all__ = ["Loss", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "MeanSquaredError", "MeanAbsoluteError", "Hinge", "SquaredHinge", "CategoricalHinge", "Huber", "LogCosh",
           "KLDivergence", "Poisson", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error",
           "mean_absolute_error", "mse", "mae", "hinge", "squared_hinge", "categorical_hinge", "huber", "log_cosh",
           "kl_divergence", "kld", "poisson", "mean_absolute_percentage_error", "mape",
           "mean_squared_logarithmic_error", "msle", "cosine_similarity", "get"]

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



def _hinge_labels(y_true):
    """Keras' convert_binary_labels_to_hinge: labels all in {0, 1} become -1 / 1; others stay."""
    values = y_true.detach().numpy()
    return y_true * 2.0 - 1.0 if np.isin(values, (0.0, 1.0)).all() else y_true


def hinge(y_true, y_pred):
    """mean over the last axis of max(1 - y_true * y_pred, 0); labels 0/1 are read as -1/1."""
    y_pred = _prediction(y_pred)
    return (1.0 - _hinge_labels(_target(y_true, y_pred)) * y_pred).clamp(min=0.0).mean(-1)


def squared_hinge(y_true, y_pred):
    """mean over the last axis of max(1 - y_true * y_pred, 0)^2; labels 0/1 are read as -1/1."""
    y_pred = _prediction(y_pred)
    return ((1.0 - _hinge_labels(_target(y_true, y_pred)) * y_pred).clamp(min=0.0) ** 2).mean(-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0), pos = sum(y_true * y_pred), neg = max((1 - y_true) * y_pred) over the last axis."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred)
    pos = (y_true * y_pred).sum(-1)
    neg = ((1.0 - y_true) * y_pred).amax(-1)
    return (neg - pos + 1.0).clamp(min=0.0)


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of e^2 / 2 where |e| <= delta, else delta |e| - delta^2 / 2 (e = y_pred - y_true)."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    error = y_pred - y_true
    small = error.abs() <= delta
    return ag.where(small, 0.5 * error * error, delta * error.abs() - 0.5 * delta * delta).mean(-1)


def log_cosh(y_true, y_pred):
    """mean over the last axis of log(cosh(y_pred - y_true)), as x + softplus(-2x) - log 2."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    x = y_pred - y_true
    return (x + F.softplus(x * -2.0) - float(np.log(np.float32(2.0)))).mean(-1)


def kl_divergence(y_true, y_pred):
    """sum over the last axis of y_true log(y_true / y_pred), both clipped to [1e-7, 1]."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred).clamp(EPSILON, 1.0)
    y_pred = y_pred.clamp(EPSILON, 1.0)
    return (y_true * (y_true / y_pred).log()).sum(-1)


def poisson(y_true, y_pred):
    """mean over the last axis of y_pred - y_true log(y_pred + 1e-7)."""
    y_pred = _prediction(y_pred)
    y_true = _target(y_true, y_pred)
    return (y_pred - y_true * (y_pred + EPSILON).log()).mean(-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean over the last axis of |(y_true - y_pred) / max(|y_true|, 1e-7)|."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    return ((y_true - y_pred) / y_true.abs().clamp(min=EPSILON)).abs().mean(-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean over the last axis of (log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1))^2."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)
    diff = (y_pred.clamp(min=EPSILON) + 1.0).log() - (y_true.clamp(min=EPSILON) + 1.0).log()
    return (diff * diff).mean(-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum over ``axis`` of the two L2-normalised vectors (x * min(1 / |x|, 1e7)): -1 when they point alike."""
    y_pred = _prediction(y_pred)
    y_true, y_pred = _same_rank(_target(y_true, y_pred), y_pred)

    def unit(x):
        return x * (x * x).sum(axis, keepdim=True).rsqrt().clamp(max=1.0 / EPSILON)
    return -(unit(y_true) * unit(y_pred)).sum(axis)


mse, mae = mean_squared_error, mean_absolute_error
kld, mape, msle = kl_divergence, mean_absolute_percentage_error, mean_squared_logarithmic_error


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

Hinge = _loss_class("Hinge", hinge, "hinge", hinge.__doc__)
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge", squared_hinge.__doc__)
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge, "categorical_hinge", categorical_hinge.__doc__)
Huber = _loss_class("Huber", huber, "huber_loss", huber.__doc__, delta=1.0)
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh", log_cosh.__doc__)
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence", kl_divergence.__doc__)
Poisson = _loss_class("Poisson", poisson, "poisson", poisson.__doc__)
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                          "mean_absolute_percentage_error", mean_absolute_percentage_error.__doc__)
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                          "mean_squared_logarithmic_error", mean_squared_logarithmic_error.__doc__)
CosineSimilarity = _loss_class("CosineSimilarity", cosine_similarity, "cosine_similarity", cosine_similarity.__doc__,
                               axis=-1)

NAMES = {"binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
         "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
         "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
         "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError}
NAMES.update({"hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge, "huber": Huber,
              "log_cosh": LogCosh, "kl_divergence": KLDivergence, "kld": KLDivergence, "KLD": KLDivergence,
              "poisson": Poisson, "mean_absolute_percentage_error": MeanAbsolutePercentageError,
              "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
              "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "msle": MeanSquaredLogarithmicError,
              "MSLE": MeanSquaredLogarithmicError, "cosine_similarity": CosineSimilarity})
NAMES.update({cls.__name__: cls for cls in set(NAMES.values())})  # Keras takes the class names too
NAMES.update(bce=BinaryCrossentropy, BCE=BinaryCrossentropy, MSE=MeanSquaredError, MAE=MeanAbsoluteError)
FUNCTIONS = {binary_crossentropy: "binary_crossentropy", categorical_crossentropy: "categorical_crossentropy",
             sparse_categorical_crossentropy: "sparse_categorical_crossentropy",
             mean_squared_error: "mean_squared_error", mean_absolute_error: "mean_absolute_error", hinge: "hinge",
             squared_hinge: "squared_hinge", categorical_hinge: "categorical_hinge", huber: "huber",
             log_cosh: "log_cosh", kl_divergence: "kl_divergence", poisson: "poisson",
             mean_absolute_percentage_error: "mape", mean_squared_logarithmic_error: "msle",
             cosine_similarity: "cosine_similarity"}


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
        not_supported(f"keras.losses.{name}", f"available: {', '.join(__all__[1:16])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
