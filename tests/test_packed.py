"""Packed sequences against PyTorch: pack / pad / unpack, and RNN, LSTM, GRU run on a packed batch
(values, h_n / c_n at each sequence's last valid step, and gradients), both ``batch_first`` and
both ``enforce_sorted``, bidirectional and two layers."""

from __future__ import annotations

import numpy as np
import pytest

import ndgrad
from ndgrad.nn.utils import rnn as nd_rnn

torch = pytest.importorskip("torch")
t_rnn = torch.nn.utils.rnn

RNG = np.random.default_rng(0)


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_pad_match_torch(batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 4]
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    x = RNG.standard_normal(shape)
    ours_in, theirs_in = ndgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = nd_rnn.pack_padded_sequence(
        ours_in, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    theirs = t_rnn.pack_padded_sequence(
        theirs_in, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    np.testing.assert_allclose(_np(ours.data), _np(theirs.data))
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for a, b in (
        (ours.sorted_indices, theirs.sorted_indices),
        (ours.unsorted_indices, theirs.unsorted_indices),
    ):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    padded, lens = nd_rnn.pad_packed_sequence(
        ours, batch_first=batch_first, padding_value=-1.0, total_length=6
    )
    tpadded, tlens = t_rnn.pad_packed_sequence(
        theirs, batch_first=batch_first, padding_value=-1.0, total_length=6
    )
    np.testing.assert_allclose(_np(padded), _np(tpadded))
    assert lens.tolist() == tlens.tolist() and lens.dtype == ndgrad.int64
    w = RNG.standard_normal(tuple(tpadded.shape))
    (padded * ndgrad.tensor(w)).sum().backward()
    (tpadded * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy())


def test_pack_sequence_unpack_and_errors():
    seqs = [RNG.standard_normal((n, 3)) for n in (2, 4, 1)]
    ours = nd_rnn.pack_sequence([ndgrad.tensor(s) for s in seqs], enforce_sorted=False)
    theirs = t_rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_allclose(_np(ours.data), _np(theirs.data))
    for a, b in zip(nd_rnn.unpack_sequence(ours), seqs):
        np.testing.assert_allclose(a.numpy(), b)
    assert isinstance(ours, tuple) and ours._fields == theirs._fields
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        nd_rnn.pack_sequence([ndgrad.tensor(s) for s in seqs])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        nd_rnn.pack_padded_sequence(ndgrad.ones(3, 2, 1), [0, 2], enforce_sorted=False)
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        nd_rnn.pad_packed_sequence(ours, total_length=2)
    assert ours.to(ndgrad.float32).data.dtype == ndgrad.float32


def _modules(kind, **kwargs):
    theirs = getattr(torch.nn, kind)(3, 4, **kwargs).double()
    ours = getattr(ndgrad.nn, kind)(3, 4, **kwargs).double()
    ours.load_state_dict(
        {k: ndgrad.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    )
    return ours, theirs


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize(
    "options",
    [
        {"batch_first": False, "enforce_sorted": True},
        {"batch_first": True, "enforce_sorted": False, "bidirectional": True},
        {
            "batch_first": False,
            "enforce_sorted": False,
            "num_layers": 2,
            "bidirectional": True,
            "hx": True,
        },
        {"batch_first": True, "enforce_sorted": True, "num_layers": 2},
    ],
)
def test_recurrent_layers_on_packed_batches_match_torch(kind, options):
    options = dict(options)
    enforce_sorted, with_hx = options.pop("enforce_sorted"), options.pop("hx", False)
    batch_first = options["batch_first"]
    ours_m, theirs_m = _modules(kind, **options)
    lengths = [5, 4, 2, 2, 1] if enforce_sorted else [2, 5, 1, 4, 2]
    x = RNG.standard_normal((5, 5, 3))
    ours_x, theirs_x = ndgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours_p = nd_rnn.pack_padded_sequence(
        ours_x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    theirs_p = t_rnn.pack_padded_sequence(
        theirs_x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted
    )
    hx_args: tuple = ((), ())
    if with_hx:
        dirs_layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
        h0 = RNG.standard_normal((dirs_layers, 5, 4))
        c0 = RNG.standard_normal((dirs_layers, 5, 4))
        if kind == "LSTM":
            hx_args = (
                ((ndgrad.tensor(h0), ndgrad.tensor(c0)),),
                ((torch.tensor(h0), torch.tensor(c0)),),
            )
        else:
            hx_args = ((ndgrad.tensor(h0),), (torch.tensor(h0),))
    ours_out, ours_h = ours_m(ours_p, *hx_args[0])
    theirs_out, theirs_h = theirs_m(theirs_p, *hx_args[1])
    assert isinstance(ours_out, nd_rnn.PackedSequence)
    np.testing.assert_allclose(_np(ours_out.data), _np(theirs_out.data), rtol=1e-10, atol=1e-12)
    states = zip(ours_h, theirs_h) if kind == "LSTM" else [(ours_h, theirs_h)]
    for a, b in states:  # h_n (and c_n): each sequence's own last valid step, in the input's order
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-12)
    padded, _ = nd_rnn.pad_packed_sequence(ours_out, batch_first=batch_first)
    tpadded, _ = t_rnn.pad_packed_sequence(theirs_out, batch_first=batch_first)
    w_out = RNG.standard_normal(tuple(tpadded.shape))
    w_h = RNG.standard_normal(tuple((theirs_h[0] if kind == "LSTM" else theirs_h).shape))
    first_h = ours_h[0] if kind == "LSTM" else ours_h
    (padded * ndgrad.tensor(w_out)).sum().add((first_h * ndgrad.tensor(w_h)).sum()).backward()
    tfirst_h = theirs_h[0] if kind == "LSTM" else theirs_h
    ((tpadded * torch.tensor(w_out)).sum() + (tfirst_h * torch.tensor(w_h)).sum()).backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (name, p), (_, tp) in zip(ours_m.named_parameters(), theirs_m.named_parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_padded_path_is_unchanged_by_packing_support():
    """An unpacked batch still runs every step for every sequence (the common, fast path)."""
    ours_m, theirs_m = _modules("GRU", num_layers=2, bidirectional=True)
    x = RNG.standard_normal((4, 3, 3))
    out, h = ours_m(ndgrad.tensor(x))
    tout, th = theirs_m(torch.tensor(x))
    np.testing.assert_allclose(_np(out), _np(tout), rtol=1e-10)
    np.testing.assert_allclose(_np(h), _np(th), rtol=1e-10)
