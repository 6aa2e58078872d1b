"""RNN, LSTM, GRU and their cells against PyTorch: same weights, outputs, final states and
gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad import nn
from tests.test_nn_layers import compare, randn

COMBOS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False, batch_first=True),
]


@pytest.mark.parametrize("kw", COMBOS, ids=str)
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_recurrent_layers(cls, kw):
    mod, tmod = getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw)
    assert repr(mod) == repr(tmod)
    x = randn(2, 5, 3) if kw.get("batch_first") else randn(5, 2, 3)
    compare(mod, tmod, x)


def test_rnn_relu_and_initial_state():
    kw = dict(nonlinearity="relu", num_layers=2, bidirectional=True)
    compare(nn.RNN(3, 4, **kw), torch.nn.RNN(3, 4, **kw), randn(5, 2, 3), randn(4, 2, 4))


@pytest.mark.parametrize("cls", ["GRU", "LSTM"])
def test_initial_states_and_unbatched(cls):
    kw = dict(num_layers=2, bidirectional=True)
    h0 = randn(4, 2, 4)
    state = (h0, randn(4, 2, 4)) if cls == "LSTM" else h0
    compare(getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw), randn(5, 2, 3), state)
    compare(getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw), randn(5, 3))
    state = (randn(4, 4), randn(4, 4)) if cls == "LSTM" else randn(4, 4)
    compare(getattr(nn, cls)(3, 4, **kw), getattr(torch.nn, cls)(3, 4, **kw), randn(5, 3), state)


def test_lstm_proj_size():
    kw = dict(num_layers=2, bidirectional=True, proj_size=2)
    compare(nn.LSTM(3, 4, **kw), torch.nn.LSTM(3, 4, **kw), randn(5, 2, 3))


def test_dropout_between_layers():
    torch_mod = torch.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    compare(nn.GRU(3, 4, num_layers=2, dropout=0.5), torch_mod, randn(5, 2, 3), train=False)
    mod = nn.GRU(3, 4, num_layers=3, dropout=0.5)
    x = ndgrad.randn(6, 2, 3)
    a, _ = mod(x)
    b, _ = mod(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())  # random masks in training
    mod.eval()
    np.testing.assert_array_equal(mod(x)[0].detach().numpy(), mod(x)[0].detach().numpy())


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells(cls, bias):
    mod, tmod = getattr(nn, cls)(3, 4, bias=bias), getattr(torch.nn, cls)(3, 4, bias=bias)
    assert repr(mod) == repr(tmod)
    compare(mod, tmod, randn(2, 3))
    state = (randn(2, 4), randn(2, 4)) if cls == "LSTMCell" else randn(2, 4)
    compare(
        getattr(nn, cls)(3, 4, bias=bias),
        getattr(torch.nn, cls)(3, 4, bias=bias),
        randn(2, 3),
        state,
    )
    state = (randn(4), randn(4)) if cls == "LSTMCell" else randn(4)
    compare(
        getattr(nn, cls)(3, 4, bias=bias), getattr(torch.nn, cls)(3, 4, bias=bias), randn(3), state
    )


def test_rnn_cell_relu():
    compare(
        nn.RNNCell(3, 4, nonlinearity="relu"),
        torch.nn.RNNCell(3, 4, nonlinearity="relu"),
        randn(2, 3),
    )
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, nonlinearity="relu")
    )


def test_state_dict_names_and_init():
    mod = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    tmod = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    assert list(mod.state_dict()) == list(tmod.state_dict())
    bound = 1 / np.sqrt(5)
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in mod.parameters())
    assert len(mod.all_weights) == 4 and len(mod.all_weights[0]) == 4


def test_errors():
    with pytest.raises(ValueError):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(RuntimeError):
        nn.GRU(3, 4)(ndgrad.randn(5, 2, 7))
    with pytest.raises(RuntimeError):
        nn.GRU(3, 4)(ndgrad.randn(5, 2, 3), ndgrad.randn(2, 2, 4))
