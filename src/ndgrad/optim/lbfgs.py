"""L-BFGS: a quasi-Newton method that builds a Hessian estimate from the last few steps
(Nocedal & Wright, Numerical Optimization, algorithms 7.4 and 3.5-3.6 for the line search)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ndgrad.autograd.grad_mode import enable_grad
from ndgrad.optim.optimizer import Optimizer, _buffer, _check
from ndgrad.tensor import Tensor

Array = Any  # a flat NumPy (or CuPy) array


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square**0.5
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def _strong_wolfe(
    obj_func: Callable[[float], tuple[float, Array]],
    t: float,
    d: Array,
    f: float,
    g: Array,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Array, float, int]:
    """A step t along d meeting the strong Wolfe conditions (sufficient decrease, small slope):
    first bracket an interval that holds one, then zoom into it by cubic interpolation.
    Returns (loss, flat gradient, t, function evaluations)."""
    d_norm = float(abs(d).max())
    f_new, g_new = obj_func(t)
    evals, ls_iter = 1, 0
    gtd_new = float(g_new.dot(d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Array] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:  # bracketing phase
        no_decrease = f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev)
        if not no_decrease and abs(gtd_new) <= -c2 * gtd:  # t itself meets both conditions
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if no_decrease or gtd_new >= 0:  # a point meeting them lies between t_prev and t
            bracket, bracket_f, bracket_g, bracket_gtd = (
                [t_prev, t],
                [f_prev, f_new],
                [g_prev, g_new],
                [gtd_prev, gtd_new],
            )
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = (
            t,
            _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step)),
        )
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:  # zoom phase
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # keep t away from the bracket's ends, or the bracket may stop shrinking
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insuf_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = (
                t,
                f_new,
                g_new,
                gtd_new,
            )
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = (
                t,
                f_new,
                g_new,
                gtd_new,
            )
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    r"""L-BFGS. ``step(closure)`` runs up to ``max_iter`` iterations, re-evaluating the closure.

    Each iteration, with the flat gradient g and the last ``history_size`` pairs
    (s_i = step taken, y_i = change in gradient)::

        d = -H g                    (H: the two-loop recursion over (s_i, y_i), scaled by s.y / y.y)
        t = lr                      (the first iteration: min(1, 1 / |g|_1) * lr)
        t = strong_wolfe(t)         if line_search_fn == "strong_wolfe"
        p = p + t * d

    and stops early when |g|_inf <= tolerance_grad, or the step or the change in loss is below
    ``tolerance_change``. All parameters form one flat vector, so there is one parameter group.

    Args:
        params: tensors (one group only).
        lr: step length (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default max_iter * 5 / 4).
        tolerance_grad: stop when the largest gradient entry is this small (default 1e-7).
        tolerance_change: stop when the step or the loss change is this small (default 1e-9).
        history_size: pairs kept for the Hessian estimate (default 100).
        line_search_fn: None or "strong_wolfe".

    Example:
        >>> opt = ndgrad.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad(); loss = f(w); loss.backward(); return loss
        >>> opt.step(closure)
    """

    def __init__(
        self,
        params: Any,
        lr: float | Any = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change, history_size=history_size,
            line_search_fn=line_search_fn,
        )  # fmt: skip
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # -- the parameters as one flat vector ----------------------------------------------------
    def _flat_grad(self) -> Array:
        xp = self._params[0].xp
        return xp.concatenate(
            [
                p.grad.array.reshape(-1)
                if p.grad is not None
                else xp.zeros(p.numel(), p.array.dtype)
                for p in self._params
            ]
        )

    def _add_to_params(self, t: float, d: Array) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.array += t * d[offset : offset + n].reshape(p.array.shape)
            p._bump_version()
            offset += n

    def _set_params(self, arrays: list[Array]) -> None:
        for p, a in zip(self._params, arrays):
            p.array[...] = a
            p._bump_version()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        if closure is None:
            raise RuntimeError(
                "LBFGS.step needs a closure that re-evaluates the model and returns the loss"
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]

        def evaluate() -> float:
            with enable_grad():
                return float(closure())

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if float(abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        # the history is kept in the state as Tensors (so it saves), used here as raw arrays
        d, t = _raw(state.get("d")), state.get("t")
        old_dirs = [_raw(y) for y in state.get("old_dirs", [])]
        old_stps = [_raw(s) for s in state.get("old_stps", [])]
        ro: list[float] = list(state.get("ro", []))
        H_diag = state.get("H_diag", 1.0)
        prev_flat_grad, prev_loss = _raw(state.get("prev_flat_grad")), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:  # keep the pair only if the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y.dot(y))
                # two-loop recursion: d = -H g
                q = -flat_grad
                al = [0.0] * len(old_dirs)
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i].dot(q)) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i].dot(d)) * ro[i]
                    d += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:  # not a descent direction
                break

            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p.array.copy() for p in self._params]

                def obj_func(
                    step: float, d: Array = d, x_init: list[Array] = x_init
                ) -> tuple[float, Array]:
                    self._add_to_params(step, d)
                    value = evaluate()
                    grad = self._flat_grad()
                    self._set_params(x_init)
                    return value, grad

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_to_params(t, d)
                opt_cond = float(abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = evaluate()
                    flat_grad = self._flat_grad()
                    opt_cond = float(abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if (
                float(abs(d * t).max()) <= tolerance_change
                or abs(loss - prev_loss) < tolerance_change
            ):
                break

        state["d"], state["t"] = _buffer(d), t
        state["old_dirs"] = [_buffer(y) for y in old_dirs]
        state["old_stps"] = [_buffer(s) for s in old_stps]
        state["ro"], state["H_diag"] = ro, H_diag
        state["prev_flat_grad"], state["prev_loss"] = _buffer(prev_flat_grad), prev_loss
        return orig_loss


def _raw(t: Tensor | None) -> Any:
    return t.array if t is not None else None
