"""Variable-length sequences: pad a list of sequences into one batch tensor, and split it back.

Packed sequences (``pack_padded_sequence``) are not provided: ndgrad's RNN modules take padded
batches; run them on the padded batch and pick each sequence's last valid step by its length.
"""

from __future__ import annotations

from collections.abc import Sequence

import ndgrad
from ndgrad.tensor import Tensor

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` if batch_first).

    Shorter sequences are filled with ``padding_value`` on ``padding_side``. Differentiable.

    >>> pad_sequence([ndgrad.ones(2), ndgrad.ones(3)], batch_first=True).shape
    ndgrad.Size([2, 3])
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
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
