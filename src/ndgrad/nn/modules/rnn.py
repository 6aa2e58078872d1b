"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional); their one-step cells, and the
step both use, are in ``rnn_cell.py``.

A ``PackedSequence`` input (``nn.utils.rnn.pack_padded_sequence``) gives a packed output, and
each sequence's h_n (and c_n) is taken at its own last valid step, as in PyTorch.

Parameters are named and laid out as PyTorch's (``weight_ih_l0``, ``bias_hh_l1_reverse`` ...; gates
stacked in the order i, f, g, o for LSTM and r, z, n for GRU), so state dicts move across.

The input projection ``x_t W_ih^T + b_ih`` of a whole sequence is one matmul per layer and
direction; only the recurrent part ``h_{t-1} W_hh^T + b_hh`` runs in the Python loop over time.
"""

from __future__ import annotations

import math
from typing import Any

import ndgrad
import ndgrad.nn.functional as F
from ndgrad.nn import init
from ndgrad.nn.module import Module
from ndgrad.nn.modules.rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase, _cell_step
from ndgrad.nn.parameter import Parameter
from ndgrad.nn.utils.rnn import PackedSequence
from ndgrad.ops.factory import empty, zeros
from ndgrad.tensor import Tensor

# the cells live in rnn_cell.py and are named here too: PyTorch has them in nn/modules/rnn.py
__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _suffix(layer: int, direction: int) -> str:
    """The end of a parameter's name: ``_l1`` for layer 1, ``_l1_reverse`` for its backward
    direction."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, and the loop."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be a positive integer")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than or equal to 1")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dirs = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(dirs):
                layer_input = input_size if layer == 0 else real_hidden * dirs
                suffix = _suffix(layer, direction)
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_input)),
                    ("weight_hh", (gate_size, real_hidden)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(
                        self, name + suffix, Parameter(empty(*shape, device=device, dtype=dtype))
                    )
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """Kept for PyTorch compatibility (a cuDNN memory layout); nothing to do here."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i : i + per]] for i in range(0, len(names), per)]

    def _layer_params(self, layer: int, direction: int) -> tuple[Any, ...]:
        suffix = _suffix(layer, direction)
        get = self._parameters.get
        return (
            get("weight_ih" + suffix),
            get("weight_hh" + suffix),
            get("bias_ih" + suffix),
            get("bias_hh" + suffix),
            get("weight_hr" + suffix),
        )

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _run(
        self,
        input: Tensor,
        hx: Tensor | None,
        cx: Tensor | None,
        batch_sizes: list[int] | None = None,
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """The stack of layers on time-major (L, N, H_in) input, or on packed data (sum of lengths,
        H_in) whose step t holds the first ``batch_sizes[t]`` sequences; returns (output, h_n,
        c_n)."""
        dirs = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        batch = input.shape[1] if batch_sizes is None else batch_sizes[0]
        if hx is None:
            hx = zeros(
                self.num_layers * dirs, batch, real_hidden, dtype=input.dtype, device=input.device
            )
        if self.mode == "LSTM" and cx is None:
            cx = zeros(
                self.num_layers * dirs,
                batch,
                self.hidden_size,
                dtype=input.dtype,
                device=input.device,
            )
        h_states = hx.unbind(0)
        c_states = cx.unbind(0) if cx is not None else None
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        layer_input = input
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = F.dropout(layer_input, self.dropout, True)
            outs = []
            for direction in range(dirs):
                k = layer * dirs + direction
                c = c_states[k] if c_states is not None else None
                out, h, c = self._direction(
                    layer_input, layer, direction, h_states[k], c, batch_sizes
                )
                outs.append(out)
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
            layer_input = outs[0] if dirs == 1 else ndgrad.cat(outs, -1)
        return layer_input, ndgrad.stack(h_n, 0), (ndgrad.stack(c_n, 0) if c_n else None)

    def _direction(
        self,
        layer_input: Tensor,
        layer: int,
        direction: int,
        h: Tensor,
        c: Tensor | None,
        batch_sizes: list[int] | None,
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer in one direction: (its output, h at the end, c at the end)."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, direction)
        gi_all = F.linear(layer_input, w_ih, b_ih)  # every time step in one matmul
        steps = gi_all.unbind(0) if batch_sizes is None else gi_all.split(batch_sizes, 0)
        order = range(len(steps) - 1, -1, -1) if direction == 1 else range(len(steps))
        hs: list[Tensor] = [h] * len(steps)
        batch = h.shape[0]
        for t in order:
            n = steps[t].shape[0]
            if n == batch:  # every sequence runs at this step (always, unless packed)
                h, c = _cell_step(self.mode, steps[t], h, c, w_hh, b_hh)
                if w_hr is not None:
                    h = F.linear(h, w_hr)
                hs[t] = h
                continue
            # packed: only the first n sequences run; the others keep their state (finished ones
            # their last valid step's, in the reverse direction not-yet-started ones their h0)
            h_run, c_run = _cell_step(
                self.mode, steps[t], h[:n], c[:n] if c is not None else None, w_hh, b_hh
            )
            if w_hr is not None:
                h_run = F.linear(h_run, w_hr)
            hs[t] = h_run
            h = ndgrad.cat([h_run, h[n:]], 0)
            if c is not None and c_run is not None:
                c = ndgrad.cat([c_run, c[n:]], 0)
        out = ndgrad.stack(hs, 0) if batch_sizes is None else ndgrad.cat(hs, 0)
        return out, h, c

    def _prepare(self, input: Tensor, hx: Any) -> tuple[Tensor, bool]:
        if input.dim() not in (2, 3):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {input.shape[-1]}"
            )
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        return input, batched

    def _check_hidden(self, h: Tensor, batched: bool, size: int, what: str = "hidden") -> Tensor:
        dirs = 2 if self.bidirectional else 1
        if batched and h.dim() != 3:
            raise RuntimeError(
                f"For batched 3-D input, hx should also be 3-D but got {h.dim()}-D tensor"
            )
        if not batched and h.dim() != 2:
            raise RuntimeError(
                f"For unbatched 2-D input, hx should also be 2-D but got {h.dim()}-D tensor"
            )
        if not batched:
            h = h.unsqueeze(1)
        expected = (self.num_layers * dirs, h.shape[1], size)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")
        return h

    def _finish(self, out: Tensor, batched: bool) -> Tensor:
        if not batched:
            return out.squeeze(1)
        return out.transpose(0, 1) if self.batch_first else out

    def _run_packed(
        self, input: PackedSequence, hx: Tensor | None, cx: Tensor | None
    ) -> tuple[PackedSequence, Tensor, Tensor | None]:
        """Run on a packed batch; hx / cx and the returned states are in the caller's batch
        order."""
        if input.data.dim() != 2 or input.data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {input.data.shape[-1]}"
            )
        sorted_i, unsorted_i = input.sorted_indices, input.unsorted_indices
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is not None:
            hx = self._check_hidden(hx, True, real_hidden)
            hx = hx if sorted_i is None else hx.index_select(1, sorted_i)
        if cx is not None:
            cx = self._check_hidden(cx, True, self.hidden_size, "cell")
            cx = cx if sorted_i is None else cx.index_select(1, sorted_i)
        batch_sizes = [int(n) for n in input.batch_sizes.tolist()]
        out, h_n, c_n = self._run(input.data, hx, cx, batch_sizes)
        if unsorted_i is not None:
            h_n = h_n.index_select(1, unsorted_i)
            c_n = c_n.index_select(1, unsorted_i) if c_n is not None else None
        return PackedSequence(out, input.batch_sizes, sorted_i, unsorted_i), h_n, c_n

    def _forward_hidden(self, input: Any, hx: Tensor | None) -> tuple[Any, Tensor]:
        """The forward of RNN and GRU, whose only state is h (LSTM also carries c): (output,
        h_n)."""
        if isinstance(input, PackedSequence):
            packed, h_n, _ = self._run_packed(input, hx, None)
            return packed, h_n
        x, batched = self._prepare(input, hx)
        if hx is not None:
            hx = self._check_hidden(hx, batched, self.hidden_size)
        out, h_n, _ = self._run(x, hx, None)
        return self._finish(out, batched), (h_n if batched else h_n.squeeze(1))


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    Returns ``(output, h_n)``: output (L, N, D * H) (batch first if ``batch_first``), h_n
    (D * num_layers, N, H).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return self._forward_hidden(input, hx)


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t).

    Returns ``(output, (h_n, c_n))``.

    Example:
        >>> lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
        >>> out, (h, c) = lstm(ndgrad.randn(4, 5, 8))
        >>> out.shape, h.shape
        (ndgrad.Size([4, 5, 16]), ndgrad.Size([2, 4, 16]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device,
            dtype,
        )

    def forward(
        self, input: Any, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Any, tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, tuple | list) or len(hx) != 2):
            raise RuntimeError("LSTM expects hx as a tuple (h_0, c_0)")
        if isinstance(input, PackedSequence):
            h0, c0 = (None, None) if hx is None else hx
            packed, h_n, c_n = self._run_packed(input, h0, c0)
            assert c_n is not None
            return packed, (h_n, c_n)
        x, batched = self._prepare(input, hx)
        h0 = c0 = None
        if hx is not None:
            real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
            h0 = self._check_hidden(hx[0], batched, real_hidden)
            c0 = self._check_hidden(hx[1], batched, self.hidden_size, "cell")
        out, h_n, c_n = self._run(x, h0, c0)
        assert c_n is not None
        if not batched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(out, batched), (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit: gates r, z, n; h_t = (1 - z) * n + z * h_{t-1}.

    Returns ``(output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        return self._forward_hidden(input, hx)
