"""ndgrad.utils.data: datasets, samplers, default_collate and the DataLoader (with workers)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch

import ndgrad
from ndgrad.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

Point = namedtuple("Point", ["x", "y"])


def _ds(n=10):
    x = ndgrad.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = ndgrad.tensor(np.arange(n))
    return TensorDataset(x, y)


class Squares(Dataset):
    def __init__(self, n=7):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {
            "i": i,
            "x": np.full(2, i, np.float32),
            "sq": float(i * i),
            "name": f"s{i}",
            "p": Point(i, -i),
        }


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(ndgrad.tensor([float(i)]) for i in range(self.n))

    def __len__(self):
        return self.n


def _values(batch):
    if isinstance(batch, ndgrad.Tensor):
        return batch.numpy().tolist()
    if isinstance(batch, dict):
        return {k: _values(v) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return [_values(b) for b in batch]
    return batch


# -- datasets --------------------------------------------------------------------------------
def test_tensor_dataset_subset_concat():
    ds = _ds(10)
    x, y = ds[3]
    assert x.tolist() == [9.0, 10.0, 11.0] and y.item() == 3 and len(ds) == 10
    with pytest.raises(AssertionError, match="Size mismatch"):
        TensorDataset(ndgrad.zeros(3), ndgrad.zeros(4))
    sub = Subset(ds, [5, 1, 7])
    assert len(sub) == 3 and sub[0][1].item() == 5 and sub[-1][1].item() == 7
    cat = ConcatDataset([sub, ds])
    assert (
        len(cat) == 13
        and cat[2][1].item() == 7
        and cat[3][1].item() == 0
        and cat[-1][1].item() == 9
    )
    assert (ds + sub)[10][1].item() == 5
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        cat[-14]
    with pytest.raises(AssertionError, match="empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and len(list(chained)) == 5


def test_random_split():
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=ndgrad.Generator().manual_seed(1))
    idx = sorted(a.indices + b.indices)
    assert idx == list(range(10)) and len(a) == 7
    a2, _ = random_split(ds, [7, 3], generator=ndgrad.Generator().manual_seed(1))
    assert a.indices == a2.indices
    parts = random_split(_ds(11), [0.5, 0.3, 0.2], generator=ndgrad.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [6, 3, 2]  # floor gives 5, 3, 2; the remainder goes first
    assert [len(p) for p in torch.utils.data.random_split(range(11), [0.5, 0.3, 0.2])] == [6, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(ds, [0.5, 1.5, -1.0])
    ndgrad.manual_seed(3)
    g1 = random_split(ds, [5, 5])[0].indices
    ndgrad.manual_seed(3)
    assert random_split(ds, [5, 5])[0].indices == g1


# -- samplers --------------------------------------------------------------------------------
def test_samplers():
    data = range(10)
    assert list(SequentialSampler(data)) == list(range(10))
    g = ndgrad.Generator().manual_seed(0)
    perm = list(RandomSampler(data, generator=g))
    assert sorted(perm) == list(range(10)) and perm != list(range(10))
    assert list(RandomSampler(data, generator=ndgrad.Generator().manual_seed(0))) == perm
    many = list(RandomSampler(data, num_samples=25, generator=g))
    assert (
        len(many) == 25
        and sorted(many[:10]) == list(range(10))
        and sorted(many[10:20]) == list(range(10))
    )
    rep = list(RandomSampler(data, replacement=True, num_samples=100, generator=g))
    assert len(rep) == 100 and len(set(rep)) < 100 and all(0 <= i < 10 for i in rep)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(data, replacement=1)
    with pytest.raises(
        ValueError, match="num_samples should be a positive integer value, but got num_samples=0"
    ):
        RandomSampler(data, num_samples=0)
    sub = list(SubsetRandomSampler([3, 5, 7, 9], generator=g))
    assert sorted(sub) == [3, 5, 7, 9]
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], num_samples=50, generator=g))
    assert set(w) <= {1, 3} and w.count(3) > w.count(1)
    nrep = list(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=g))
    assert sorted(nrep) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], num_samples=0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)
    assert list(BatchSampler(SequentialSampler(range(5)), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3 and len(BatchSampler(range(5), 2, True)) == 2
    with pytest.raises(
        ValueError, match="batch_size should be a positive integer value, but got batch_size=0"
    ):
        BatchSampler(range(5), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(5), 2, 1)
    with pytest.raises(NotImplementedError):
        iter(Sampler())


# -- collate ---------------------------------------------------------------------------------
def test_default_collate_matches_torch():
    samples = [Squares()[i] for i in range(3)]
    ours = default_collate(samples)
    ref = torch.utils.data.default_collate(samples)
    assert set(ours) == set(ref)
    assert ours["i"].dtype == ndgrad.int64 and ref["i"].dtype == torch.int64
    assert ours["sq"].dtype == ndgrad.float64 and ref["sq"].dtype == torch.float64
    assert ours["x"].dtype == ndgrad.float32 and ours["x"].shape == (3, 2)
    assert ours["name"] == ref["name"] == ["s0", "s1", "s2"]
    assert isinstance(ours["p"], Point) and ours["p"].y.tolist() == [0, -1, -2]
    for k in ("i", "x", "sq"):
        assert ours[k].tolist() == ref[k].tolist()
    # tuples collate to a list of batches; lists keep their type; bools to bool; OrderedDict stays
    pair = default_collate([(ndgrad.zeros(2), 1), (ndgrad.ones(2), 0)])
    assert isinstance(pair, list) and pair[0].shape == (2, 2) and pair[1].tolist() == [1, 0]
    assert default_collate([True, False]).dtype == ndgrad.bool
    od = default_collate([OrderedDict(a=1.0), OrderedDict(a=2.0)])
    assert isinstance(od, OrderedDict) and od["a"].tolist() == [1.0, 2.0]
    nps = default_collate([np.float32(1), np.float32(2)])
    assert nps.dtype == ndgrad.float32 and nps.tolist() == [1.0, 2.0]
    nested = default_collate([[ndgrad.zeros(1), {"k": 1}], [ndgrad.ones(1), {"k": 2}]])
    assert isinstance(nested, list) and nested[1]["k"].tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ndgrad.zeros(2), ndgrad.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"])])


def test_default_convert():
    out = default_convert({"a": np.ones(2), "b": (np.zeros(1), "s"), "c": 3})
    assert isinstance(out["a"], ndgrad.Tensor) and isinstance(out["b"], list) and out["b"][1] == "s"
    assert out["c"] == 3


# -- DataLoader ------------------------------------------------------------------------------
def test_loader_shapes_and_drop_last():
    ds = _ds(10)
    batches = list(DataLoader(ds, batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert batches[2][1].tolist() == [8, 9] and len(DataLoader(ds, batch_size=4)) == 3
    dropped = list(DataLoader(ds, batch_size=4, drop_last=True))
    assert len(dropped) == 2 and len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    single = list(DataLoader(ds))
    assert len(single) == 10 and single[0][0].shape == (1, 3)
    unbatched = list(DataLoader(ds, batch_size=None))
    assert unbatched[0][0].shape == (3,)
    custom = list(DataLoader(ds, batch_size=3, collate_fn=lambda b: len(b)))
    assert custom == [3, 3, 3, 1]


def test_loader_matches_torch_for_sequential_nested_samples():
    ours = list(DataLoader(Squares(7), batch_size=3))
    ref = list(torch.utils.data.DataLoader(Squares(7), batch_size=3))
    for a, b in zip(ours, ref):
        assert _values({k: v for k, v in a.items() if k != "p"}) == {
            k: v.tolist() if isinstance(v, torch.Tensor) else v for k, v in b.items() if k != "p"
        }


def test_shuffle_is_seeded_and_reshuffles_each_epoch():
    ds = _ds(20)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=ndgrad.Generator().manual_seed(7))
    e1 = [i for _, y in loader for i in y.tolist()]
    e2 = [i for _, y in loader for i in y.tolist()]
    assert sorted(e1) == list(range(20)) and e1 != list(range(20)) and e1 != e2
    again = DataLoader(ds, batch_size=5, shuffle=True, generator=ndgrad.Generator().manual_seed(7))
    assert [i for _, y in again for i in y.tolist()] == e1
    # the global seed makes shuffling repeatable too
    ndgrad.manual_seed(123)
    g1 = [y.tolist() for _, y in DataLoader(ds, batch_size=5, shuffle=True)]
    ndgrad.manual_seed(123)
    g2 = [y.tolist() for _, y in DataLoader(ds, batch_size=5, shuffle=True)]
    assert g1 == g2


def test_samplers_in_loader():
    ds = _ds(10)
    ys = [y.item() for _, y in DataLoader(ds, sampler=[9, 0, 4])]
    assert ys == [9, 0, 4]
    bs = [y.tolist() for _, y in DataLoader(ds, batch_sampler=[[1, 2], [5], [0, 3, 7]])]
    assert bs == [[1, 2], [5], [0, 3, 7]]
    assert len(DataLoader(ds, batch_sampler=[[1, 2], [5]])) == 2
    w = WeightedRandomSampler(
        [0.0] * 5 + [1.0] * 5, num_samples=8, generator=ndgrad.Generator().manual_seed(0)
    )
    ys = [i for _, y in DataLoader(ds, sampler=w, batch_size=4) for i in y.tolist()]
    assert len(ys) == 8 and min(ys) >= 5


def test_loader_option_errors():
    ds = _ds(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    for kw in (dict(batch_size=2), dict(shuffle=True), dict(sampler=[0]), dict(drop_last=True)):
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            DataLoader(ds, batch_sampler=[[0]], **kw)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(3), batch_sampler=[[0]])


def test_iterable_dataset():
    batches = list(DataLoader(Stream(7), batch_size=3))
    assert [b.shape for b in batches] == [(3, 1), (3, 1), (1, 1)] and len(
        DataLoader(Stream(7), batch_size=3)
    ) == 3
    assert len(list(DataLoader(Stream(7), batch_size=3, drop_last=True))) == 2
    with_workers = list(DataLoader(Stream(7), batch_size=3, num_workers=2))
    assert [b.tolist() for b in with_workers] == [b.tolist() for b in batches]
    assert [b.tolist() for b in DataLoader(Stream(3), batch_size=None)] == [[0.0], [1.0], [2.0]]


class Slow(Dataset):
    """Items take a random-ish time, so worker threads finish out of order."""

    def __init__(self, n=24):
        self.n = n
        self.threads = set()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.threads.add(threading.current_thread().name)
        time.sleep(0.002 * ((i * 7) % 5))
        return ndgrad.tensor([float(i)]), i


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_the_same_batches_in_order(workers, shuffle):
    ds = Slow()

    def run(n):
        g = ndgrad.Generator().manual_seed(5)
        loader = DataLoader(
            ds, batch_size=4, shuffle=shuffle, num_workers=n, generator=g, drop_last=True
        )
        return [(x.tolist(), y.tolist()) for x, y in loader]

    assert run(workers) == run(0)
    assert any(name.startswith("ndgrad-dataloader") for name in ds.threads)


def test_worker_init_fn_info_persistent_and_errors():
    seen = []

    class Info(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            info = get_worker_info()
            return info.id if info is not None else -1

    lock = threading.Lock()

    def init(wid):
        with lock:
            seen.append(wid)

    loader = DataLoader(
        Info(), batch_size=2, num_workers=2, worker_init_fn=init, persistent_workers=True
    )
    ids = [i for b in loader for i in b.tolist()]
    assert set(ids) <= {0, 1} and sorted(seen) in ([0], [0, 1])
    list(loader)
    assert len(seen) <= 2  # persistent: the threads were not started again
    assert get_worker_info() is None
    assert list(DataLoader(Info(), batch_size=4))[0].tolist() == [-1] * 4

    class Broken(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 4:
                raise KeyError("bad item 4")
            return i

    it = iter(DataLoader(Broken(), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    next(it)
    with pytest.raises(KeyError, match="bad item 4"):
        next(it)


def test_timeout():
    class Stuck(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(0.5)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.05 seconds"):
        list(DataLoader(Stuck(), num_workers=1, timeout=0.05))


def test_early_break_releases_threads():
    before = threading.active_count()
    for _ in range(3):
        for _b in DataLoader(Slow(40), batch_size=2, num_workers=3):
            break
    time.sleep(0.1)
    assert threading.active_count() <= before + 1


def test_training_loop_end_to_end():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    ds = TensorDataset(ndgrad.tensor(x), ndgrad.tensor(y))
    w = ndgrad.zeros(3, dtype=ndgrad.float64, requires_grad=True)
    b = ndgrad.zeros(1, dtype=ndgrad.float64, requires_grad=True)
    opt = ndgrad.optim.SGD([w, b], lr=0.1, momentum=0.5)
    loader = DataLoader(
        ds, batch_size=16, shuffle=True, generator=ndgrad.Generator().manual_seed(0), num_workers=2
    )
    for _ in range(30):
        for xb, yb in loader:
            opt.zero_grad()
            ((xb @ w + b - yb) ** 2).mean().backward()
            opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.0, -2.0, 0.5], atol=1e-2)


# -- workers: threads end, timeouts on time, errors say where ------------------------------------
def _loader_threads():
    return [t for t in threading.enumerate() if t.name.startswith("ndgrad-dataloader")]


def _wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return condition()


def test_deleted_persistent_loaders_stop_their_threads():
    import gc

    started = set()
    for _ in range(5):
        before = set(_loader_threads())
        loader = DataLoader(_ds(12), batch_size=4, num_workers=3, persistent_workers=True)
        for _ in range(2):
            assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
        mine = set(_loader_threads()) - before
        assert len(mine) == 3 and all(t.is_alive() for t in mine)  # kept between epochs
        started |= mine
        del loader
        gc.collect()
    assert _wait_until(lambda: not any(t.is_alive() for t in started))


def test_finished_and_abandoned_iterations_stop_their_threads():
    before = set(_loader_threads())
    list(DataLoader(_ds(8), batch_size=2, num_workers=2))
    it = iter(DataLoader(_ds(8), batch_size=2, num_workers=2))
    next(it)
    del it
    started = set(threading.enumerate()) - before
    assert _wait_until(
        lambda: not any(t.is_alive() and t.name.startswith("ndgrad-dataloader") for t in started)
    )


def test_timeout_raises_on_time_naming_the_worker_and_indices():
    release = threading.Event()

    class Hangs(Dataset):
        def __len__(self):
            return 8

        def __getitem__(self, i):
            if i == 5:
                release.wait()  # a real hang: never returns until the test releases it
            return i

    t0 = time.monotonic()
    with pytest.raises(
        RuntimeError, match=r"timed out after 0.3 seconds.*worker \d.*indices \[4, 5\]"
    ):
        list(DataLoader(Hangs(), batch_size=2, num_workers=2, timeout=0.3))
    assert time.monotonic() - t0 < 2.0  # on time, not after the slow item finishes
    release.set()


def test_worker_error_names_the_worker_and_indices_with_the_original_type():
    class Broken(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            if i == 3:
                raise ValueError("bad item 3")
            return i

    with pytest.raises(
        ValueError,
        match=r"Caught ValueError in DataLoader worker thread \d \(loading indices \[2, 3\]\)",
    ) as info:
        list(DataLoader(Broken(), batch_size=2, num_workers=2))
    assert "bad item 3" in str(info.value) and "Original Traceback" in str(info.value)

    class Picky(Exception):
        def __init__(self, a, b):
            super().__init__(a, b)

    class Odd(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise Picky(1, 2)

    with pytest.raises(RuntimeError, match="Caught Picky in DataLoader worker thread 0"):
        list(DataLoader(Odd(), num_workers=1))

    def bad_init(wid):
        raise OSError("no device")

    with pytest.raises(OSError, match="(?s)worker thread 0.*no device"):
        list(DataLoader(_ds(4), num_workers=1, worker_init_fn=bad_init))


def test_error_without_workers_is_the_original_with_a_note():
    class Broken(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            raise IndexError("nope")

    with pytest.raises(IndexError, match="nope") as info:
        list(DataLoader(Broken(), batch_size=2))
    notes = getattr(info.value, "__notes__", ["indices [0, 1]"])
    assert any("indices [0, 1]" in n for n in notes)


@pytest.mark.parametrize("workers", [0, 2])
def test_drop_last_against_torch(workers):
    import torch.utils.data as tud

    for n, bs in ((10, 4), (12, 4), (3, 4), (1, 1), (0, 3)):
        x = np.arange(n, dtype=np.float32)
        for drop_last in (False, True):
            ours = DataLoader(
                TensorDataset(ndgrad.tensor(x)),
                batch_size=bs,
                drop_last=drop_last,
                num_workers=workers,
            )
            ref = tud.DataLoader(
                tud.TensorDataset(torch.tensor(x)), batch_size=bs, drop_last=drop_last
            )
            assert len(ours) == len(ref), (n, bs, drop_last)
            assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in ref], (n, bs, drop_last)
