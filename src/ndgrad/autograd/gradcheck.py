"""Check analytical gradients against finite differences, like ``torch.autograd.gradcheck``.

For every input x_j that requires grad and every output y_i, the Jacobian dy_i/dx_j is computed
twice and compared elementwise with |analytical - numerical| <= atol + rtol * |numerical|:

- numerically, column by column, by central differences: (f(x + eps e_k) - f(x - eps e_k)) / 2 eps;
- analytically, row by row, by one backward pass per output element.

Use float64 inputs: in float32 the differences are mostly rounding error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ndgrad.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when the analytical and numerical Jacobians disagree."""


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def _outputs(func: Callable[..., Any], inputs: tuple[Any, ...]) -> list[Tensor]:
    """The floating-point tensor outputs of ``func`` (the ones that have a Jacobian)."""
    from ndgrad.tensor import Tensor

    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical(
    func: Callable[..., Any], inputs: tuple[Any, ...], x: Tensor, eps: float
) -> list[np.ndarray]:
    """d outputs / d x by central differences: one (out.numel, x.numel) matrix per output."""
    from ndgrad._backend import to_numpy

    # grad mode stays on: the function may itself take gradients (gradgradcheck's does)
    data = x.array
    columns: list[list[np.ndarray]] = []
    for k in range(data.size):
        idx = np.unravel_index(k, data.shape)
        orig = data[idx].item()
        data[idx] = orig + eps
        plus = [to_numpy(o.array).astype(np.float64).ravel() for o in _outputs(func, inputs)]
        data[idx] = orig - eps
        minus = [to_numpy(o.array).astype(np.float64).ravel() for o in _outputs(func, inputs)]
        data[idx] = orig
        columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)])
    n_out = len(_outputs(func, inputs)) if not columns else len(columns[0])
    return [
        np.stack([c[i] for c in columns], axis=1) if columns else np.zeros((0, 0))
        for i in range(n_out)
    ]


def _analytical(outputs: list[Tensor], diff_inputs: list[Tensor]) -> list[list[np.ndarray]]:
    """d outputs / d inputs by backward passes: [output][input] -> (out.numel, x.numel)."""
    from ndgrad._backend import to_numpy
    from ndgrad.autograd import grad
    from ndgrad.ops.factory import zeros

    result = []
    for out in outputs:
        n = out.numel()
        mats = [np.zeros((n, x.numel())) for x in diff_inputs]
        if out.requires_grad:
            flat = out.reshape(-1)
            for k in range(n):
                onehot = zeros(n, dtype=out.dtype, device=out.device)
                onehot.array[k] = 1
                grads = grad(flat, diff_inputs, onehot, retain_graph=True, allow_unused=True)
                for j, g in enumerate(grads):
                    if g is not None:
                        mats[j][k] = to_numpy(g.array).astype(np.float64).ravel()
        result.append(mats)
    return result


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """True when the gradients of ``func`` at ``inputs`` match finite differences.

    Args:
        func: takes the inputs, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of arguments; Tensors with ``requires_grad=True`` are checked.
        eps: the finite-difference step.
        atol, rtol: the tolerance, ``|analytical - numerical| <= atol + rtol * |numerical|``.
        raise_exception: raise ``GradcheckError`` (a RuntimeError) on mismatch instead of
            returning False.

    The remaining arguments are accepted for PyTorch compatibility and ignored.

    Example:
        >>> x = ndgrad.randn(3, dtype=ndgrad.float64, requires_grad=True)
        >>> ndgrad.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
        True
    """
    from ndgrad.tensor import Tensor

    args = _as_tuple(inputs)
    diff = [(j, a) for j, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them do."
        )
    for j, a in diff:
        if a.array.dtype != np.float64:
            warnings.warn(
                f"Input #{j} requires gradient and is not a double precision floating point "
                "tensor: the finite differences will be inaccurate.",
                stacklevel=2,
            )
    outputs = _outputs(func, args)
    analytical = _analytical(outputs, [a for _, a in diff])
    for jj, (j, x) in enumerate(diff):
        numerical = _numerical(func, args, x, eps)
        for i, num in enumerate(numerical):
            ana = analytical[i][jj]
            err = np.abs(ana - num)
            bad = ~(err <= atol + rtol * np.abs(num))
            if bad.any():
                where = tuple(int(v) for v in np.argwhere(bad)[0])
                msg = (
                    f"Jacobian mismatch for output {i} with respect to input {j},\n"
                    f"max abs error {float(np.nanmax(err)):.6g}, first at (output element, input "
                    f"element) {where}; atol={atol}, rtol={rtol}\n"
                    f"numerical:\n{num}\nanalytical:\n{ana}\n"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """True when the second derivatives of ``func`` match finite differences of its gradients.

    Checks, with ``gradcheck``, the function (inputs, v) -> v^T J (the backward pass, recorded with
    ``create_graph=True``), where v are ``grad_outputs`` (random float64 tensors when None).
    """
    from ndgrad.autograd import grad
    from ndgrad.ops.factory import tensor
    from ndgrad.tensor import Tensor

    args = _as_tuple(inputs)
    outputs = _outputs(func, args)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        vs = tuple(
            tensor(
                rng.standard_normal(tuple(o.shape)),
                dtype=o.dtype,
                device=o.device,
                requires_grad=True,
            )
            for o in outputs
            if o.requires_grad
        )
    else:
        vs = _as_tuple(grad_outputs)
    n = len(args)

    def first_derivative(*all_args: Any) -> tuple[Tensor, ...]:
        xs, v = all_args[:n], all_args[n:]
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        diff = [a for a in xs if isinstance(a, Tensor) and a.requires_grad]
        grads = grad(outs, diff, list(v), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivative,
        args + tuple(vs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
