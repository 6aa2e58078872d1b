"""Variable-length sequences: pad a list of sequences into one batch tensor and split it back, or
pack them (PyTorch's ``PackedSequence`` layout) for RNN, LSTM and GRU.

A packed batch keeps only the valid steps, time step after time step: the sequences are sorted by
length (longest first), and step t holds the ``batch_sizes[t]`` sequences still running, so
``data`` is (sum of lengths, *). ``sorted_indices`` says which input sequence is at each sorted
position and ``unsorted_indices`` undoes it. The recurrent layers step through the packed batch
directly, so each sequence's returned hidden state is the one at its own last valid step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import ndgrad
from ndgrad.tensor import Tensor

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pack_sequence",
    "unpack_sequence",
    "pad_sequence",
    "unpad_sequence",
]


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` if
    batch_first).

    Shorter sequences are filled with ``padding_value`` on ``padding_side``. Differentiable.

    >>> pad_sequence([ndgrad.ones(2), ndgrad.ones(3)], batch_first=True).shape
    ndgrad.Size([2, 3])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"The size of tensor a ({tuple(s.shape)}) must match the trailing size {trailing} "
                "of the first sequence"
            )
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = max_len - s.shape[0]
        if missing == 0:
            padded.append(s)
            continue
        fill = ndgrad.full((missing, *trailing), padding_value, dtype=s.dtype, device=s.device)
        padded.append(ndgrad.cat([s, fill] if padding_side == "right" else [fill, s]))
    return ndgrad.stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False
) -> list[Tensor]:
    """The inverse of :func:`pad_sequence` (right padding): one ``(L_i, *)`` tensor per length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    sizes = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [padded_sequences[i, : int(n)] for i, n in enumerate(sizes)]


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences, packed (see the module docstring).

    ``data`` (sum of lengths, *) holds step 0 of every sequence, then step 1 of those still
    running, ...; ``batch_sizes`` (int64, on the CPU) how many run at each step.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packing with ``data`` (and the index tensors) moved / cast; batch_sizes
        stays."""
        data = self.data.to(*args, **kwargs)
        sorted_i, unsorted_i = (None if t is None else t.to(data.device) for t in self._indices())
        return PackedSequence(data, self.batch_sizes, sorted_i, unsorted_i)

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self.to("cuda")

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self.to("cpu")

    def float(self) -> PackedSequence:
        return self.to(ndgrad.float32)

    def double(self) -> PackedSequence:
        return self.to(ndgrad.float64)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False

    def _indices(self) -> tuple[Tensor | None, Tensor | None]:
        return self.sorted_indices, self.unsorted_indices


def _invert_permutation(perm: Tensor) -> Tensor:
    inverse = np.empty(perm.shape[0], dtype=np.int64)
    inverse[perm.numpy()] = np.arange(perm.shape[0])
    return ndgrad.tensor(inverse, device=perm.device)


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | Sequence[int],
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch (L, B, *) (or (B, L, *) if batch_first) of sequences of ``lengths``.

    With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted here and
    the permutation kept in the result. Differentiable in ``input``.
    """
    sizes = np.asarray(
        lengths.tolist() if isinstance(lengths, Tensor) else list(lengths), dtype=np.int64
    )
    if sizes.ndim != 1:
        raise RuntimeError(
            f"'lengths' argument should be a 1D tensor, but got a {sizes.ndim}D tensor"
        )
    if sizes.size and sizes.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    batch_dim = 0 if batch_first else 1
    if sizes.size != input.shape[batch_dim]:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {sizes.size} "
            f"(batch_size={input.shape[batch_dim]})"
        )
    sorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(sizes) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can "
                "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                "sidestep this "
                "requirement if you do not need ONNX exportability."
            )
    else:
        order = np.argsort(-sizes, kind="stable")
        sizes = sizes[order]
        sorted_indices = ndgrad.tensor(order, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    if int(sizes[0]) > input.shape[0]:
        raise RuntimeError(
            f"Expected the padded input to have at least {int(sizes[0])} steps, got "
            f"{input.shape[0]}"
        )
    steps = int(sizes[0]) if sizes.size else 0
    batch_sizes = [int(np.count_nonzero(sizes > t)) for t in range(steps)]
    data = ndgrad.cat([input[t, :n] for t, n in enumerate(batch_sizes)], 0)
    unsorted = None if sorted_indices is None else _invert_permutation(sorted_indices)
    return PackedSequence(
        data, ndgrad.tensor(batch_sizes, dtype=ndgrad.int64), sorted_indices, unsorted
    )


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`pack_padded_sequence`: (padded batch in the original order,
    lengths)."""
    data, batch_sizes = sequence.data, [int(n) for n in sequence.batch_sizes.tolist()]
    steps, batch = len(batch_sizes), (batch_sizes[0] if batch_sizes else 0)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                "input, but got "
                f"total_length={total_length} and max sequence length being {steps}"
            )
    padded = packed_to_padded(data, batch_sizes, padding_value, total_length or steps)
    lengths = np.array([sum(1 for n in batch_sizes if n > b) for b in range(batch)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.numpy()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, ndgrad.tensor(lengths, dtype=ndgrad.int64)


def packed_to_padded(
    data: Tensor, batch_sizes: list[int], padding_value: float, steps: int
) -> Tensor:
    """Packed ``data`` back to a time-major (steps, B, *) batch, still in sorted order."""
    batch = batch_sizes[0] if batch_sizes else 0
    trailing = tuple(data.shape[1:])
    rows = []
    for chunk in data.split(batch_sizes, 0) if batch_sizes else ():
        missing = batch - chunk.shape[0]
        if missing:
            fill = ndgrad.full(
                (missing, *trailing), padding_value, dtype=data.dtype, device=data.device
            )
            chunk = ndgrad.cat([chunk, fill], 0)
        rows.append(chunk)
    empty = ndgrad.full((batch, *trailing), padding_value, dtype=data.dtype, device=data.device)
    rows += [empty] * (steps - len(rows))
    return ndgrad.stack(rows, 0)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (longest first, unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of (L_i, *) tensors that :func:`pack_sequence` packed, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
