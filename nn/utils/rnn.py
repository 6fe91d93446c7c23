"""nn.utils.rnn: batches of sequences of different lengths, padded or packed, as torch.nn.utils.rnn.

    padded = pad_sequence([a, b, c])                        # (T, B, *), shorter ones padded at the end
    packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    out, h = lstm(packed)                                   # RNN, LSTM, GRU take a PackedSequence
    out, lengths = pad_packed_sequence(out)                 # back to (T, B, *)

A PackedSequence holds the sequences sorted by decreasing length and interleaved step by step:
``data`` is x[0] of every sequence, then x[1] of those at least 2 long, ...; ``batch_sizes[t]`` says how
many sequences are still running at step t. Every step here is an indexing op, so gradients flow.
"""
from collections import namedtuple

from autograd.backend import host

import autograd as ag
from autograd import ShapeError, Tensor
from autograd.ops.args import ArgumentError

from .. import functional as F

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices): made by pack_padded_sequence or
    pack_sequence, not by hand. sorted_indices[i] is the batch entry that is i-th by length (None: the
    batch was already sorted); unsorted_indices is its inverse."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packing with ``data`` moved or cast (the indices stay int64)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                          self.unsorted_indices)

    def float(self):
        return self.to(ag.float32)

    def double(self):
        return self.to(ag.float64)

    @property
    def is_cuda(self):
        return self.data.device.type == "cuda"


def invert_permutation(permutation):
    """The inverse permutation (None stays None)."""
    if permutation is None:
        return None
    order = host.asarray(permutation.tolist(), dtype=host.int64)
    inverse = host.empty_like(order)
    inverse[order] = host.arange(order.size)
    return ag.tensor(inverse, device=permutation.device)


def _lengths(lengths, op):
    """Lengths as a list of ints: a list, a numpy array or an int64 tensor (on the CPU, as PyTorch's)."""
    values = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    if any(isinstance(n, float) for n in values) or (isinstance(lengths, Tensor) and lengths.dtype.kind not in "iu"):
        raise TypeError(f"{op}: lengths must be integers (a list or an int64 tensor), got {lengths!r}")
    return [int(n) for n in values]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """A padded batch (T, B, *) ((B, T, *) with ``batch_first``) and each sequence's length -> a
    PackedSequence. ``enforce_sorted``: the lengths must come in decreasing order; otherwise the batch is
    sorted here (stably) and the order kept to undo it."""
    if not isinstance(input, Tensor) or input.ndim < 2:
        got = tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__
        raise ShapeError(f"pack_padded_sequence: expected a padded batch (T, B, *) or (B, T, *) with batch_first, "
                         f"got {got}")
    lengths = _lengths(lengths, "pack_padded_sequence")
    batch_dim, time_dim = (0, 1) if batch_first else (1, 0)
    if len(lengths) != input.shape[batch_dim]:
        raise ShapeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to batch_size, but got "
                         f"{len(lengths)} (batch_size={input.shape[batch_dim]})")
    if min(lengths) <= 0:
        raise ArgumentError("pack_padded_sequence: Length of all samples has to be greater than 0, but found an "
                            f"element in 'lengths' that is <= 0 (lengths {lengths})")
    if max(lengths) > input.shape[time_dim]:
        raise ArgumentError(f"pack_padded_sequence: a length ({max(lengths)}) is longer than the padded sequences "
                            f"({input.shape[time_dim]} steps, dim {time_dim} of {tuple(input.shape)})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise ArgumentError("pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                                "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                                "pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do "
                                "not need ONNX exportability.")
        sorted_indices = None
    else:
        order = host.argsort(-host.asarray(lengths), kind="stable")
        sorted_indices = ag.tensor(order.astype(host.int64), device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
        lengths = [lengths[i] for i in order]
    x = input.transpose(0, 1) if batch_first else input  # (T, B, *), longest first
    batch_sizes = [sum(n > t for n in lengths) for t in range(lengths[0])]
    return PackedSequence(pack_steps(x, batch_sizes), ag.tensor(host.asarray(batch_sizes, dtype=host.int64)),
                          sorted_indices)


def _positions(batch_sizes, device):
    """Where each row of packed data sits in the padded (T, B, *) batch: (steps, rows) index tensors."""
    steps = host.repeat(host.arange(len(batch_sizes)), batch_sizes)
    rows = host.concatenate([host.arange(b) for b in batch_sizes])
    return ag.tensor(steps, device=device), ag.tensor(rows, device=device)


def pack_steps(padded, batch_sizes):
    """A padded batch (T, B, *) sorted by decreasing length -> packed data (sum(lengths), *): step t's
    first batch_sizes[t] rows, step after step (one indexing op)."""
    return padded[_positions(batch_sizes, padded.device)]


def unpack_steps(data, batch_sizes, steps=None, padding_value=0.0):
    """The inverse of pack_steps: (steps, B, *) filled with ``padding_value`` where no sequence runs."""
    steps = len(batch_sizes) if steps is None else steps
    padded = ag.full((steps, batch_sizes[0]) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                     device=data.device)
    padded[_positions(batch_sizes, data.device)] = data
    return padded


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths int64), in the
    batch's original order; ``total_length`` pads T further (to undo a pack of a longer batch)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = _lengths(sequence.batch_sizes, "pad_packed_sequence")
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max sequence length "
                             f"being {steps}")
        steps = total_length
    padded = unpack_steps(sequence.data, batch_sizes, steps, padding_value)
    batch = batch_sizes[0]
    lengths = host.asarray([sum(b > i for b in batch_sizes) for i in range(batch)], dtype=host.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[host.asarray(sequence.unsorted_indices.tolist())]
    return (padded.transpose(0, 1) if batch_first else padded), ag.tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) -> one (T, B, *) ((B, T, *) with ``batch_first``), T = max L_i, each padded with
    ``padding_value`` after its end (``padding_side='left'``: before its start)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) for s in sequences):
        raise TypeError("pad_sequence: expected a non-empty list of tensors (L_i, *)")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ShapeError(f"pad_sequence: every sequence must be (L_i, *{trailing}) with the same trailing "
                             f"dims, got shapes {[tuple(t.shape) for t in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        gap = longest - s.shape[0]
        widths = (0, 0) * len(trailing) + ((0, gap) if padding_side == "right" else (gap, 0))
        padded.append(F.pad(s, widths, value=padding_value) if gap else s)
    out = ag.stack(padded)  # (B, T, *)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence: a list of (L_i, *) tensors."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(_lengths(lengths, "unpad_sequence"))]


def pack_sequence(sequences, enforce_sorted=True):
    """Tensors (L_i, *) -> a PackedSequence (pad_sequence, then pack_padded_sequence)."""
    sequences = list(sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The inverse of pack_sequence: a list of (L_i, *) tensors, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
