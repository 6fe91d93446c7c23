"""Keras' metrics: a per-sample function averaged over every sample seen since the last reset.

"accuracy" (or "acc") is resolved from the shapes of the first batch, as Keras does:

    y_pred has one column (N, 1)            -> binary_accuracy: y_pred > 0.5 equals y_true
    y_true has fewer dims, or one column    -> sparse_categorical_accuracy: argmax(y_pred) equals y_true
    otherwise                               -> categorical_accuracy: argmax(y_pred) equals argmax(y_true)

The threshold 0.5 is on the output as it is: right for a sigmoid output, not for a logit (a
``from_logits=True`` model needs ``BinaryAccuracy(threshold=0.0)``, in Keras too).
Metrics run on numpy arrays, outside the graph.
"""
import numpy as np

import autograd as ag

from . import losses, ops
from .utils import not_supported, unique_name
from .variables import Variable

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "BinaryAccuracy", "CategoricalAccuracy",
           "SparseCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError", "Precision", "Recall", "AUC",
           "RootMeanSquaredError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence", "Poisson",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "get"]


def _same_rank(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank on numpy arrays."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return (y_true, y_pred[..., None]) if y_pred.ndim == 1 else (y_true[..., 0], y_pred)
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return (y_true[..., None], y_pred) if y_true.ndim == 1 else (y_true, y_pred[..., 0])
    return y_true, y_pred


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where (y_pred > threshold) equals y_true, per value."""
    y_true, y_pred = _same_rank(np.asarray(y_true), np.asarray(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals argmax(y_true) (one-hot targets), per sample."""
    return (np.asarray(y_true).argmax(-1) == np.asarray(y_pred).argmax(-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals the integer label, per sample."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype(np.float64) == y_pred.argmax(-1)).astype(np.float32)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _same_rank(np.asarray(y_true, np.float32), np.asarray(y_pred))
    return ((y_true - y_pred) ** 2).mean(-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _same_rank(np.asarray(y_true, np.float32), np.asarray(y_pred))
    return np.abs(y_true - y_pred).mean(-1)



def _through_loss(loss_fn):
    """A loss function of seegrad.keras.losses as a metric function on numpy arrays (Keras wraps the same
    loss functions: the same formulas, clips and checks)."""
    def metric(y_true, y_pred, **options):
        with ag.no_grad():
            return getattr(losses, loss_fn)(np.asarray(y_true), np.asarray(y_pred, np.float32), **options).numpy()
    metric.__name__ = loss_fn
    return metric


binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson, \
    mean_absolute_percentage_error, mean_squared_logarithmic_error = (_through_loss(n) for n in (
        "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
        "poisson", "mean_absolute_percentage_error", "mean_squared_logarithmic_error"))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the class of the one-hot y_true is among the k largest outputs (ties count), per sample."""
    return sparse_top_k_categorical_accuracy(np.asarray(y_true).argmax(-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label's output is at least the k-th largest output (Keras' in_top_k), per sample."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred, np.float32)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if k > y_pred.shape[-1]:
        raise ValueError(f"top-k accuracy: k={k} is more than the {y_pred.shape[-1]} outputs; pass k=...")
    kth = np.sort(y_pred, -1)[..., -k]
    picked = np.take_along_axis(y_pred, y_true.astype(np.int64)[..., None], -1)[..., 0]
    return (picked >= kth).astype(np.float32)

class Metric:
    """``update_state(y_true, y_pred)``, ``result()``, ``reset_state()``; ``name`` labels it in the logs.

    A subclass keeps its state as Keras' does: ``self.total = self.add_weight(name="total",
    initializer="zeros")`` makes a Variable that ``update_state`` changes with ``assign`` / ``assign_add``
    and ``result`` reads (with keras.ops); the default ``reset_state`` sets every variable to zeros.
    fit and evaluate hand a metric defined by the program the batch's y_true and y_pred as Tensors
    (Keras: backend tensors), and log ``float(result())``."""

    def __init__(self, dtype=None, name=None):
        self.name = name or unique_name(type(self).__name__)  # Keras: MyMetric -> my_metric, my_metric_1...
        self._dtype = "float32" if dtype is None else ops.dtype(ops.zeros((), dtype))
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A Variable of this metric's state (not trained), made from ``initializer`` ("zeros"...)."""
        if initializer is None:
            raise ValueError(f"{self.name}: add_weight / add_variable needs an initializer (\"zeros\"...)")
        if "_variables" not in vars(self):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` method. Go add it!")
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        return list(vars(self).get("_variables", []))

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Every variable back to zeros (Keras' default)."""
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments that make this metric again (``cls(**config)``), for saving a model."""
        return {"name": self.name}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def update(metric, y_true, y_pred):
    """``metric.update_state(y_true, y_pred)`` with a batch's numpy arrays; a metric whose update_state
    the program wrote gets them as Tensors (Keras hands its metrics backend tensors)."""
    if type(metric).update_state.__module__ != __name__:
        y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    metric.update_state(y_true, y_pred)


def figure(value):
    """A metric's result as the logs hold it: a Python float (Keras' logs are made Python numbers)."""
    return value if isinstance(value, float) else float(np.asarray(value))


class Mean(Metric):
    """The mean of every value given to ``update_state(values)``."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0

    def update_state(self, values, sample_weight=None):
        """Add ``values``; with ``sample_weight`` (one per sample, or values' shape) a weighted mean:
        total += sum(values * w), count += sum(w), as Keras."""
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.ndim == values.ndim + 1 and w.shape[-1] == 1:  # (N, 1) weights of (N,) values
            w = w[..., 0]
        if w.ndim < values.ndim:  # per sample: spread over the sample's values
            w = w.reshape(*w.shape, *[1] * (values.ndim - w.ndim))
        w = np.broadcast_to(w, values.shape)
        self.total += float((values * w).sum())
        self.count += float(w.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred)`` over every value seen."""

    def __init__(self, fn, name=None, **kwargs):
        super().__init__(name or fn.__name__)
        self.fn, self.kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(np.asarray(y_true), np.asarray(y_pred), **self.kwargs), sample_weight)


def _metric_class(cls_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, **options):
        unknown = set(options) - set(defaults)
        if unknown:
            raise TypeError(f"{cls_name}: unexpected argument(s) {sorted(unknown)}")
        MeanMetricWrapper.__init__(self, fn, name, **{**defaults, **options})

    def get_config(self):
        return {"name": self.name, **self.kwargs}

    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__, "get_config": get_config, "__doc__": fn.__doc__})


BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy")
MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")

BinaryCrossentropy = _metric_class("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                                   from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _metric_class("CategoricalCrossentropy", categorical_crossentropy,
                                        "categorical_crossentropy", from_logits=False, label_smoothing=0.0)
SparseCategoricalCrossentropy = _metric_class("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                              "sparse_categorical_crossentropy", from_logits=False)
KLDivergence = _metric_class("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _metric_class("Poisson", poisson, "poisson")
MeanAbsolutePercentageError = _metric_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                            "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _metric_class("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                            "mean_squared_logarithmic_error")
TopKCategoricalAccuracy = _metric_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                        "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _metric_class("SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
                                              "sparse_top_k_categorical_accuracy", k=5)
for _cls in (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson,
             MeanAbsolutePercentageError, MeanSquaredLogarithmicError, MeanSquaredError, MeanAbsoluteError):
    _cls.direction = "down"  # Keras: a metric wrapping a loss goes down (EarlyStopping mode "auto")


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error over every value seen."""

    direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(np.asarray(y_true, np.float32), np.asarray(y_pred, np.float32))
        super().update_state((y_pred - y_true) ** 2, sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))

    def get_config(self):
        return {"name": self.name}

class _ConfusionMetric(Metric):
    """Counts of true/false positives/negatives at each threshold, over every value seen since the
    last reset (Keras' confusion metrics): a label is positive when nonzero, a prediction when
    above the threshold; a sample_weight weighs each sample's counts."""

    direction = "up"  # what EarlyStopping / ModelCheckpoint in mode "auto" look for

    def __init__(self, thresholds, name):
        super().__init__(name=name or unique_name(type(self).__name__))  # Keras: precision, precision_1, ...
        self.thresholds = np.asarray(thresholds, np.float32)  # (T,)
        self.reset_state()

    def reset_state(self):
        self.tp, self.fp, self.tn, self.fn = (np.zeros(len(self.thresholds)) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(np.asarray(y_true), np.asarray(y_pred, np.float32))
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape} "
                             "must match (one label per output)")
        weights = np.ones(y_pred.shape) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, np.float64).reshape(len(y_pred), *[1] * (y_pred.ndim - 1)), y_pred.shape)
        label = (y_true != 0).reshape(1, -1)  # (1, values)
        pred = self._positive(y_pred.reshape(-1))  # (T, values)
        weights = weights.reshape(1, -1)
        self.tp += (weights * (label & pred)).sum(1)
        self.fp += (weights * (~label & pred)).sum(1)
        self.tn += (weights * (~label & ~pred)).sum(1)
        self.fn += (weights * (label & ~pred)).sum(1)

    def _positive(self, y_pred):
        """(T, values): each prediction above each threshold."""
        return y_pred[None, :] > self.thresholds[:, None]


def _ratio(a, b):
    """a / b, 0 where b is 0 (Keras' divide_no_nan)."""
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)


def _one_threshold(metric, thresholds, top_k, class_id):
    if top_k is not None or class_id is not None:
        not_supported(f"{metric}(top_k=..., class_id=...)")
    if isinstance(thresholds, (list, tuple)):
        not_supported(f"{metric}(thresholds=[...])", "one threshold, a float")
    return [0.5 if thresholds is None else float(thresholds)]


class Precision(_ConfusionMetric):
    """tp / (tp + fp) over every value seen: of the predictions above ``thresholds`` (0.5), the share that
    are positive."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(_one_threshold("Precision", thresholds, top_k, class_id), name)

    def get_config(self):
        return {"name": self.name, "thresholds": float(self.thresholds[0])}

    def result(self):
        return float(_ratio(self.tp, self.tp + self.fp)[0])


class Recall(_ConfusionMetric):
    """tp / (tp + fn) over every value seen: of the positive labels, the share predicted above
    ``thresholds`` (0.5)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(_one_threshold("Recall", thresholds, top_k, class_id), name)

    def get_config(self):
        return {"name": self.name, "thresholds": float(self.thresholds[0])}

    def result(self):
        return float(_ratio(self.tp, self.tp + self.fn)[0])


class AUC(_ConfusionMetric):
    """The area under the ROC curve (true- against false-positive rate) from the counts at
    ``num_thresholds`` thresholds evenly spread over [0, 1] (plus one just below 0 and one just above
    1), summed by trapezoids ("interpolation"), or the lower ("minoring") or upper ("majoring") step;
    ``from_logits=True`` applies a sigmoid to the outputs first."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).upper() != "ROC":
            not_supported(f"AUC(curve={curve!r})", "the ROC curve")
        if multi_label or label_weights is not None:
            not_supported("AUC(multi_label=..., label_weights=...)")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        if thresholds is None:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        else:
            inner = sorted(thresholds)
        self.num_thresholds, self.summation_method, self.from_logits = len(inner) + 2, summation_method, from_logits
        super().__init__([0.0 - 1e-7] + inner + [1.0 + 1e-7], name)
        self._given_thresholds = None if thresholds is None else list(inner)
        n = self.num_thresholds
        self._evenly = np.allclose([0.0] + inner + [1.0], np.arange(n, dtype=np.float32) / (n - 1), atol=1e-7)

    def _positive(self, y_pred):
        """Keras' shortcut for evenly spread thresholds, whose numbers it gives: the predictions clipped
        to [0, 1] and put in buckets, p counting above threshold i when ceil(p (n-1)) - 1 >= i."""
        if not self._evenly:
            return super()._positive(y_pred)
        bucket = np.maximum(np.ceil(np.clip(y_pred, 0, 1) * np.float32(self.num_thresholds - 1)) - 1, 0)
        return bucket[None, :] >= np.arange(self.num_thresholds)[:, None]

    def get_config(self):
        return {"name": self.name, "num_thresholds": self.num_thresholds, "summation_method": self.summation_method,
                "thresholds": self._given_thresholds, "from_logits": self.from_logits}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-np.asarray(y_pred, np.float32)))
        super().update_state(y_true, y_pred, sample_weight)

    def result(self):
        tpr = _ratio(self.tp, self.tp + self.fn)
        fpr = _ratio(self.fp, self.fp + self.tn)
        if self.summation_method == "interpolation":
            heights = (tpr[:-1] + tpr[1:]) / 2.0
        else:
            heights = (np.minimum if self.summation_method == "minoring" else np.maximum)(tpr[:-1], tpr[1:])
        return float(((fpr[:-1] - fpr[1:]) * heights).sum())


NAMES = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
         "sparse_categorical_accuracy": SparseCategoricalAccuracy, "mean_squared_error": MeanSquaredError,
         "mse": MeanSquaredError, "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
         "precision": Precision, "recall": Recall, "auc": AUC, "binary_crossentropy": BinaryCrossentropy,
         "categorical_crossentropy": CategoricalCrossentropy, "sparse_categorical_crossentropy":
         SparseCategoricalCrossentropy, "kl_divergence": KLDivergence, "poisson": Poisson,
         "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
         "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "msle": MeanSquaredLogarithmicError,
         "root_mean_squared_error": RootMeanSquaredError, "top_k_categorical_accuracy": TopKCategoricalAccuracy,
         "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy}
NAMES.update({cls.__name__: cls for cls in set(NAMES.values())})  # Keras takes the class names too ("AUC")
NAMES.update(MSE=MeanSquaredError, MAE=MeanAbsoluteError, MAPE=MeanAbsolutePercentageError,
             MSLE=MeanSquaredLogarithmicError, BCE=BinaryCrossentropy, bce=BinaryCrossentropy)


def accuracy_for(y_true, y_pred, name="accuracy"):
    """The accuracy Keras picks for "accuracy" from the shapes of y_true and y_pred."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if y_true.ndim < y_pred.ndim or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier, y_true=None, y_pred=None):
    """A Metric from a Keras name, a Metric, or a function ``fn(y_true, y_pred)`` on numpy arrays
    returning per-sample values. "accuracy" / "acc" needs the first batch's ``y_true`` and ``y_pred``."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):  # a class: Keras makes one
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            return accuracy_for(y_true, y_pred, identifier)
        if identifier not in NAMES:
            not_supported(f"the metric {identifier!r}", f"known: accuracy, acc, {', '.join(NAMES)}")
        return NAMES[identifier](name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", "metric"))
    raise TypeError(f"a metric is a name like 'accuracy', a Metric or a function(y_true, y_pred), got {identifier!r}")


def __getattr__(name):  # a Keras metrics this front end does not have: say so by its name
    if name[:1].isupper():
        not_supported(f"keras.metrics.{name}", f"available: {', '.join(__all__[3:21])}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
