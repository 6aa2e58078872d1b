"""SyncBatchNorm: BatchNorm whose batch statistics cover the whole global batch, every rank's.

The per-channel sums are all-reduced across the ranks of the process group, so each rank
normalises its shard with the mean and variance of the concatenated batch:

    mean = sum_r sum_i x_ri / N,   var = sum_r sum_i (x_ri - mean)^2 / N,   N = sum_r n_r

The all-reduce is an op (``AllReduceSum``) whose backward is the same all-reduce, so gradients
flow to every rank's inputs as through one big BatchNorm. Outside training, or with one rank, it
is plain BatchNorm.
"""

from __future__ import annotations

from typing import Any

from ndgrad.autograd.function import Op
from ndgrad.autograd.grad_mode import no_grad
from ndgrad.nn.module import Module
from ndgrad.nn.modules.normalization import _BatchNorm
from ndgrad.ops.factory import full
from ndgrad.ops.join import cat
from ndgrad.tensor import Tensor

__all__ = ["SyncBatchNorm"]


class AllReduceSum(Op):
    """out = sum over the group's ranks of x (on every rank); its gradient is the same sum"""

    @staticmethod
    def forward(ctx: Any, x: Any, pg: Any) -> Any:
        from ndgrad.distributed.collectives import all_reduce_array

        ctx.save_for_backward(pg)
        out = x.copy()
        all_reduce_array(pg, out).wait()
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (pg,) = ctx.saved_tensors
        return AllReduceSum.apply(grad, pg)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over the global batch of all ranks (PyTorch's ``torch.nn.SyncBatchNorm``).

    Input (N, C, ...). Args as BatchNorm's, plus ``process_group`` (default: the whole world).
    Build it directly, or turn a model's BatchNorm layers into it with ``convert_sync_batchnorm``.

    >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _group(self) -> Any:
        """The group to synchronise over, or None when there is nothing to synchronise."""
        from ndgrad import distributed as dist

        if not self.training or not dist.is_available() or not dist.is_initialized():
            return None
        pg: Any = self.process_group if self.process_group is not None else dist.group.WORLD
        return pg if pg.size() > 1 else None

    def forward(self, input: Tensor) -> Tensor:
        pg = self._group()
        if pg is None:
            return super().forward(input)
        self._check_input_dim(input)
        c = input.shape[1]
        if input.shape[0] == 0 or input.numel() // c == 0:
            raise ValueError("SyncBatchNorm expects a non-empty input on every rank")
        dims = (0, *range(2, input.dim()))
        shape = (1, c) + (1,) * (input.dim() - 2)
        local = full((1,), float(input.numel() // c), dtype=input.dtype, device=input.device)
        totals = AllReduceSum.apply(cat([input.sum(dims), local]), pg)
        count = float(totals[c].item())
        if count <= 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"{list(input.shape)}"
            )
        mean = totals[:c] / count
        centered = input - mean.reshape(shape)
        var = AllReduceSum.apply((centered * centered).sum(dims), pg) / count
        out = centered / (var + self.eps).sqrt().reshape(shape)
        if self.weight is not None:
            out = out * self.weight.reshape(shape)
        if self.bias is not None:
            out = out + self.bias.reshape(shape)
        if self.track_running_stats and self.running_mean is not None:
            self._update_running(mean, var * (count / (count - 1)))
        return out

    def _update_running(self, mean: Tensor, unbiased_var: Tensor) -> None:
        self.num_batches_tracked.array += 1
        if self.momentum is None:  # cumulative moving average
            factor = 1.0 / float(self.num_batches_tracked.item())
        else:
            factor = self.momentum
        with no_grad():
            self.running_mean.array[...] = (
                1 - factor
            ) * self.running_mean.array + factor * mean.array
            self.running_var.array[...] = (
                1 - factor
            ) * self.running_var.array + factor * unbiased_var.array

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm*d replaced by a SyncBatchNorm sharing its parameters and
        running statistics (returned; a BatchNorm given directly is replaced, not changed)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
            )
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
