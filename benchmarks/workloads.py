"""The benchmark's workloads, each written once against the shared API (``lib`` is ndgrad or torch).

- ``chain``: 1,000 ``y = y + 1`` on a 0-d tensor, forward and backward (the graph machinery alone).
- ``scalar``: an MLP 2-16-16-1 (tanh) over 100 points where every weight is its own 0-d tensor.
- ``mlp``: one SGD step of 784-512-256-10 (ReLU) on a batch of 128, cross-entropy.
- ``cnn``: one SGD step of conv32-pool-conv64-pool-fc128-fc10 on a batch of 64 of 1x28x28.
- ``gpt``: one AdamW step of a char-level GPT (vocab 65, 4 layers, 4 heads, d 128, seq 64, batch
32).
- ``lstm``: one step of PyTorch's word-language-model example: embedding 200, 2-layer LSTM of 200,
  decoder to a 10,000-word vocabulary, bptt 35, batch 20, SGD (lr 20) after
  ``clip_grad_norm_(0.25)``, the hidden state carried (detached) from step to step.
- MNIST epoch: the example models with Adam on the real training set, data loading included
  (read and decode the IDX files, normalise, ``DataLoader`` with shuffling, batch 128 / 64).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

Step = Callable[[], Any]


def make_mlp(lib: ModuleType, dropout: float = 0.0) -> Any:
    nn = lib.nn
    layers: list[Any] = [nn.Linear(784, 512), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(512, 256), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(256, 10))
    return nn.Sequential(*layers)


def make_cnn(lib: ModuleType) -> Any:
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
            self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
            self.fc1 = nn.Linear(64 * 7 * 7, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.flatten(1)))
            return self.fc2(x)

    return Net()


GPT_VOCAB, GPT_LAYERS, GPT_HEADS, GPT_D, GPT_SEQ, GPT_BATCH = 65, 4, 4, 128, 64, 32


def make_gpt(lib: ModuleType) -> Any:
    """The model of examples/char_gpt.py (pre-norm blocks, causal SDPA, GELU MLP), dropout 0."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self, d: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x: Any) -> Any:
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q, k, v = (
                z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v)
            )
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(att.transpose(1, 2).reshape(b, t, d))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(GPT_VOCAB, GPT_D)
            self.pos = nn.Embedding(GPT_SEQ, GPT_D)
            self.blocks = nn.Sequential(*[Block(GPT_D, GPT_HEADS) for _ in range(GPT_LAYERS)])
            self.ln = nn.LayerNorm(GPT_D)
            self.head = nn.Linear(GPT_D, GPT_VOCAB)

        def forward(self, idx: Any) -> Any:
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            return self.head(self.ln(self.blocks(x)))

    return GPT()


LSTM_VOCAB, LSTM_HIDDEN, LSTM_LAYERS, LSTM_BPTT, LSTM_BATCH = 10_000, 200, 2, 35, 20


def make_lstm(lib: ModuleType) -> Any:
    """PyTorch's examples/word_language_model RNNModel (LSTM, untied, dropout 0)."""
    nn = lib.nn

    class RNNModel(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Embedding(LSTM_VOCAB, LSTM_HIDDEN)
            self.rnn = nn.LSTM(LSTM_HIDDEN, LSTM_HIDDEN, LSTM_LAYERS)
            self.decoder = nn.Linear(LSTM_HIDDEN, LSTM_VOCAB)

        def forward(self, x: Any, hidden: Any) -> Any:
            out, hidden = self.rnn(self.encoder(x), hidden)
            return self.decoder(out).reshape(-1, LSTM_VOCAB), hidden

    return RNNModel()


def copy_params(src: Any, dst: Any) -> None:
    """Give the ndgrad model ``dst`` the torch model ``src``'s initial weights (same order)."""
    for p_src, p_dst in zip(src.parameters(), dst.parameters(), strict=True):
        p_dst.array[...] = p_src.detach().numpy()


# -- the graph-machinery workloads ----------------------------------------------------------------

CHAIN = 1000


def chain_step(lib: ModuleType) -> Step:
    def run() -> None:
        x = lib.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(CHAIN):
            y = y + 1
        y.backward()

    return run


SCALAR_SIZES = (2, 16, 16, 1)
SCALAR_POINTS = 100


def scalar_model(lib: ModuleType) -> tuple[list[Any], list[list[float]], list[float]]:
    """micrograd's MLP, a list of 0-d weights per neuron; its inputs and +-1 targets, as Python
    floats."""
    rng = np.random.default_rng(0)
    layers = []
    for n_in, n_out in zip(SCALAR_SIZES[:-1], SCALAR_SIZES[1:], strict=True):
        neurons = []
        for _ in range(n_out):
            w = [lib.tensor(float(v), requires_grad=True) for v in rng.uniform(-1, 1, n_in)]
            neurons.append((w, lib.tensor(0.0, requires_grad=True)))
        layers.append(neurons)
    xs = rng.standard_normal((SCALAR_POINTS, SCALAR_SIZES[0])).tolist()
    ys = rng.choice([-1.0, 1.0], SCALAR_POINTS).tolist()
    return layers, xs, ys


def scalar_forward(layers: list[Any], xs: list[list[float]], ys: list[float]) -> Any:
    """The mean squared error of the scalar MLP on the points ``xs`` against ``ys``."""
    loss = None
    for x, y in zip(xs, ys, strict=True):
        h: list[Any] = x
        for li, neurons in enumerate(layers):
            out = []
            for w, b in neurons:
                act = b
                for wi, hi in zip(w, h, strict=True):
                    act = act + wi * hi
                out.append(act.tanh() if li < len(layers) - 1 else act)
            h = out
        err = (h[0] - y) * (h[0] - y)
        loss = err if loss is None else loss + err
    assert loss is not None
    return loss * (1.0 / len(xs))


def scalar_step(lib: ModuleType) -> Step:
    layers, xs, ys = scalar_model(lib)

    def run() -> None:
        scalar_forward(layers, xs, ys).backward()

    return run


# -- training steps on a fixed batch --------------------------------------------------------------

MODEL_KINDS = ("mlp", "cnn", "gpt", "lstm")


def batch_data(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if kind == "mlp":
        return rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
    if kind == "cnn":
        return rng.standard_normal((64, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 64)
    if kind == "lstm":
        idx = rng.integers(0, LSTM_VOCAB, (LSTM_BPTT + 1, LSTM_BATCH))
        return idx[:-1], idx[1:].reshape(-1)
    idx = rng.integers(0, GPT_VOCAB, (GPT_BATCH, GPT_SEQ + 1))
    return idx[:, :-1], idx[:, 1:]


def model_step(kind: str, lib: ModuleType, torch_model: Any = None) -> Step:
    """One training step of a model workload on its fixed batch; ``step.model``, ``step.opt``
    too."""
    F = lib.nn.functional
    model = {"mlp": make_mlp, "cnn": make_cnn, "gpt": make_gpt, "lstm": make_lstm}[kind](lib)
    if torch_model is not None:
        copy_params(torch_model, model)
    x_np, y_np = batch_data(kind, np.random.default_rng(0))
    x, y = lib.from_numpy(x_np), lib.from_numpy(y_np)
    if kind == "gpt":
        opt = lib.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    else:
        opt = lib.optim.SGD(model.parameters(), lr=20.0 if kind == "lstm" else 0.01)
    hidden = [tuple(lib.zeros(LSTM_LAYERS, LSTM_BATCH, LSTM_HIDDEN) for _ in range(2))]

    def run() -> None:
        opt.zero_grad()
        if kind == "lstm":
            out, h = model(x, tuple(t.detach() for t in hidden[0]))
            hidden[0] = h
            loss = F.cross_entropy(out, y)
        elif kind == "gpt":
            loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        else:
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        if kind == "lstm":
            lib.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()

    run.model = model  # type: ignore[attr-defined]
    run.opt = opt  # type: ignore[attr-defined]
    return run


def make_step(name: str, lib: ModuleType, torch_model: Any = None) -> Step:
    if name == "chain":
        return chain_step(lib)
    if name == "scalar":
        return scalar_step(lib)
    return model_step(name, lib, torch_model)


# -- MNIST, end to end ----------------------------------------------------------------------------


def read_idx_gz(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", ndim, 4).astype(int)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def mnist_epoch(kind: str, lib: ModuleType, root: Path, max_steps: int = 0) -> dict[str, float]:
    """Seconds for one epoch (or its first ``max_steps`` steps) of the example model, data
    loading included: decode the files, normalise, then a shuffled ``DataLoader`` pass with Adam."""
    import time

    F = lib.nn.functional
    batch = 128 if kind == "mlp" else 64
    t0 = time.perf_counter()
    images, labels = (read_idx_gz(root / name) for name in MNIST_FILES)
    x = (images.astype(np.float32) / 255.0 - 0.1307) / 0.3081
    x = x.reshape(len(x), -1) if kind == "mlp" else np.ascontiguousarray(x[:, None])
    data = lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(labels.astype(np.int64)))
    loader = lib.utils.data.DataLoader(data, batch_size=batch, shuffle=True)
    model = make_mlp(lib, dropout=0.2) if kind == "mlp" else make_cnn(lib)
    opt = lib.optim.Adam(model.parameters(), lr=1e-3 if kind == "mlp" else 2e-3)
    t_load = time.perf_counter() - t0
    steps = 0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps += 1
        if steps == max_steps:
            break
    total = len(loader)
    t_train = time.perf_counter() - t0 - t_load
    return {
        "steps": steps,
        "steps_per_epoch": total,
        "load_s": t_load,
        "train_s": t_train,
        "epoch_s": t_load + t_train * total / steps,
        "last_loss": float(loss.item()),
    }
