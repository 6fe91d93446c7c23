"""The losses and metrics of a model of several outputs (Keras' CompileLoss and CompileMetrics).

    model.compile(loss=["mse", "sparse_categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    model.compile(loss={"priority": "mse", "department": "sparse_categorical_crossentropy"},
                  loss_weights={"priority": 1.0, "department": 0.2}, metrics={"priority": ["mae"]})

What Keras 3 does, and so this module, in the order of one step:

1. on the first batch, each output gets its loss (a list in output order, a dict keyed by the
   output layers' names, or one loss for every output), its weight and its metrics;
2. the loss is sum(weight_i * loss_i(y_i, y_pred_i)) (each reduced over the batch as a single
   output's), the penalties of ``model.losses`` added by the trainer;
3. each output's unweighted loss is averaged over the samples as "<output>_loss", each metric as
   "<output>_<metric>". A subclassed model has no output names: its losses are named by the loss
   ("mean_squared_error_loss") and its metrics by themselves ("accuracy", then "accuracy_1").
"""
from . import losses as losses_module
from . import metrics as metrics_module

__all__ = ["OutputLosses"]


def _per_output(spec, names, count, what):
    """``spec`` as a list of ``count`` entries, one per output: a list or tuple as it is, a dict by output
    name (missing names get None), anything else repeated (``repeat``) or an error."""
    if isinstance(spec, dict):
        if names is None:
            raise ValueError(f"compile({what}=dict): this model has no output names (a subclassed model); pass "
                             f"a list with one entry per output ({count})")
        unknown = [key for key in spec if key not in names]
        if unknown:
            raise ValueError(f"compile({what}=...): {unknown} are not outputs of the model; its outputs are {names}")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != count:
            raise ValueError(f"compile({what}=...) has {len(spec)} entries, but the model has {count} outputs; pass "
                             f"one per output ({names or 'in the order the model returns them'}), or a dict by name")
        return list(spec)
    return [spec] * count


def _loss_name(loss, fn):
    """Keras' name of a loss: the string given, else the Loss' or function's name."""
    return loss if isinstance(loss, str) else fn.name


class SampleMean:
    """A mean over samples: each batch's value weighted by its size (the loss trackers, one per output)."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def update(self, value, n):
        self.total += value * n
        self.count += n

    def result(self):
        return self.total / self.count if self.count else 0.0


class OutputLosses:
    """The compiled losses, loss weights and metrics of a model of several outputs, resolved against the
    first batch (as Keras: "accuracy" depends on the shapes); ``output_names`` is None for a subclassed model."""

    def __init__(self, loss, loss_weights, metrics, output_names):
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError(f"Expected `metrics` argument to be a list, tuple, or dict. Received instead: "
                             f"metrics={metrics!r} of type {type(metrics)}")
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, float, int)):
            raise ValueError(f"Expected `loss_weights` argument to be a float (single output case) or a list, tuple, "
                             f"or dict (multiple output case). Received instead: loss_weights={loss_weights!r} "
                             f"of type {type(loss_weights)}")
        self.spec, self.weight_spec, self.metric_spec = loss, loss_weights, metrics
        self.output_names = output_names
        self.built = False

    def build(self, y, y_pred):
        """Resolve each output's loss, weight and metrics from the first batch (numpy arrays)."""
        count, names = len(y_pred), self.output_names
        if names is not None and len(names) != count:
            names = None
        specs = _per_output(self.spec, names, count, "loss")
        weights = _per_output(self.weight_spec, names, count, "loss_weights") if self.weight_spec is not None \
            else [None] * count
        self.outputs = []  # (index, loss fn, weight, name) for each output that has a loss
        for i, (spec, weight) in enumerate(zip(specs, weights)):
            if spec is not None:
                fn = losses_module.get(spec)
                self.outputs.append((i, fn, weight, names[i] if names else _loss_name(spec, fn)))
        if not self.outputs:
            raise ValueError("compile(loss=...): every output's loss is None; give at least one output a loss")
        self.trackers = [SampleMean() for _ in self.outputs] if len(self.outputs) > 1 else []
        metric_specs = _per_output(self.metric_spec, names, count, "metrics") if self.metric_spec else [None] * count
        self.metrics = []  # (metric, its name in the logs)
        taken = {}
        for i, spec in enumerate(metric_specs):
            for m in ([] if spec is None else spec if isinstance(spec, (list, tuple)) else [spec]):
                metric = metrics_module.get(m, y[i], y_pred[i])
                name = f"{names[i]}_{metric.name}" if names else metric.name
                if name in taken:  # Keras: the second "accuracy" is "accuracy_1"
                    taken[name] += 1
                    name = f"{name}_{taken[name] - 1}"
                else:
                    taken[name] = 1
                self.metrics.append((i, metric, name))
        self.built = True

    def __call__(self, y, y_pred, sample_weight=None):
        """The weighted sum of the outputs' losses (a scalar Tensor) and each one unweighted (floats)."""
        if len(y) != len(y_pred):
            raise ValueError(f"y holds {len(y)} arrays, but the model has {len(y_pred)} outputs; pass one target "
                             "per output (a list in the outputs' order, or a dict by output name)")
        total, values = None, []
        for i, fn, weight, _ in self.outputs:
            value = fn(y[i], y_pred[i]) if sample_weight is None else fn(y[i], y_pred[i], sample_weight)
            values.append(float(value.item()))
            if weight is not None:
                value = value * float(weight)
            total = value if total is None else total + value
        return total, values

    def update(self, y, y_pred, values, n):
        """Add a batch: the outputs' unweighted losses ``values`` and the metrics on numpy arrays."""
        for tracker, value in zip(self.trackers, values):
            tracker.update(value, n)
        for i, metric, _ in self.metrics:
            metrics_module.update(metric, y[i], y_pred[i])

    def reset(self):
        if self.built:
            self.trackers = [SampleMean() for _ in self.trackers]
            for _, metric, _ in self.metrics:
                metric.reset_state()

    def logs(self):
        """{"<output>_loss": ..., "<output>_<metric>": ...} (without the total "loss")."""
        if not self.built:
            return {}
        out = {f"{name}_loss": t.result() for (_, _, _, name), t in zip(self.outputs, self.trackers)}
        out.update({name: metrics_module.figure(metric.result()) for _, metric, name in self.metrics})
        return out

    def order(self):
        """Keras' order of evaluate's list after "loss": the metrics whose own name is their log name (a
        subclassed model's), then the outputs' losses; the rest of the logs follow, sorted (Keras'
        _flatten_metrics_in_order)."""
        if not self.built:
            return []
        return [metric.name for _, metric, _ in self.metrics] + \
            [f"{name}_loss" for (_, _, _, name), _ in zip(self.outputs, self.trackers)]
