"""Graph nodes. Every differentiable operation is a class with ``forward`` and ``backward`` side
by side.

An op's instance is both the ``ctx`` its forward and backward share and the ``grad_fn`` node of its
result: it holds ``next_functions`` (where the gradient of each input goes) and what forward saved.

- ``Function`` is PyTorch's ``autograd.Function``: ``forward(ctx, *tensors)`` gets Tensors and runs
  under ``no_grad``; ``backward(ctx, *grads)`` returns one gradient per input of forward.
- ``Op`` is the same for the built-in ops, except that ``forward`` gets the raw arrays of its
  tensor inputs (``x.array``) and returns a raw array, which is cheaper. Backward is always written
  in Tensor ops, so it can itself be differentiated (``create_graph=True``).

Saved arrays that are an input's or the output's array are handed back by ``saved_tensors`` as the
very input Tensor, or the output rebuilt around this node: so double backward sees the graph, and
the node never refers to its own output (no reference cycles: plain refcounting frees graphs).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ndgrad._backend import xp_of
from ndgrad.autograd import grad_mode
from ndgrad.autograd._node_names import node_name
from ndgrad.tensor import Tensor

# The recording ndgrad.profiler.profile, or None: every apply checks it once (see profiler.py).
profile_hook: Any = None

# The metadata entries of an input that gets no gradient (see Function._meta), and
# needs_input_grad of one or two inputs as shared constants, indexed by whether each input needs a
# gradient: a node builds no tuple of its own for them.
_NO_META = (0, None, None)
_NEEDS_1 = ((False,), (True,))
_NEEDS_2 = (((False, False), (False, True)), ((True, False), (True, True)))


# The NumPy scalar types of a float 0-d result: ``type(out) in`` this set answers "is it a float"
# for a scalar several times faster than ``out.dtype.kind == "f"`` (a scalar builds its dtype).
FLOAT_SCALAR_TYPES = frozenset({np.float16, np.float32, np.float64})


# Every attribute the machinery may set on a node (tests/test_one_channel.py allows these only).
NODE_FIELDS = (
    "needs_input_grad",
    "_next0",
    "_next1",
    "_next_more",
    "_meta",
    "_saved",
    "_saved_versions",
    "_outputs",
    "_out_vcs",
    "_n_outputs",
    "_out_meta",
    "_pre_hooks",
    "_retained",
    "_materialize",
    "_on_arrays",
    "_viz_named",
)


# The fields nearly every recorded node sets, in the order it sets them (see _enter_fields).
_COMMON_FIELDS = (
    "needs_input_grad",
    "_next0",
    "_next1",
    "_meta",
    "_saved",
    "_outputs",
    "_out_vcs",
    "_on_arrays",
)


def _enter_fields(cls: Any) -> None:
    """Enter the common node fields in the class's table of attribute names, on a throwaway
    instance.

    Why: CPython 3.11 keeps instance attributes in a per-class table of names that, after the
    class's first few dozen instances, takes at most one new name; an instance that sets a name
    first seen later gets a dict of its own. Nodes made under ``no_grad`` set only
    ``needs_input_grad`` (and ``_saved``), so a process that ran many of them before recording any
    would give every later node of that op a dict: one more object per op for the cycle collector,
    and more memory. Only the common fields are entered: every instance reserves a place for each
    name in the table, so entering the rare ones too (hooks, several outputs) would cost every node
    about 70 bytes more.
    """
    probe = cls.__new__(cls)
    for name in _COMMON_FIELDS:
        object.__setattr__(probe, name, None)


def _is_array(value: Any) -> bool:
    """A NumPy/CuPy array or NumPy scalar: what ``saved_tensors`` hands back as a Tensor."""
    return hasattr(value, "dtype")


class Function:
    """Base class of graph nodes and of user-defined differentiable functions.

    Example:
        >>> class Cube(ndgrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return grad * 3 * x ** 2
        >>> y = Cube.apply(ndgrad.tensor(2.0, requires_grad=True))
    """

    # The edges: where the gradient of each positional input goes. The next node of input i (another
    # Function, or the leaf Tensor that collects the gradient; None where no gradient flows) is
    # the attribute ``_next0``, ``_next1`` for the first two inputs, ``_next_more[i - 2]`` after;
    # ``_meta`` holds, three entries per input in one flat tuple, which output of the next node
    # the input is and the input's shape and NumPy dtype (the engine sums and casts the gradient
    # back to them). Why attributes and not one tuple of everything: every object a node holds
    # is one more for Python's cycle collector to scan while the graph lives, and a tuple that
    # holds a node stays tracked for good, while ``_meta`` (numbers, shapes, dtypes) is dropped
    # from tracking at the first collection. One object less per op (the scalar graph's forward
    # leaves 39% fewer; benchmarks/gc_probe.py). ``next_functions`` gives the per-input view.
    _next0: Any = None
    _next1: Any = None
    _next_more: tuple[Any, ...] = ()
    _meta: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...]
    # The rest start as these class-level defaults, so building a node sets only what it uses.
    _saved: tuple[Any, ...] | None = ()
    # the versions of the saved tensors when saved, None while all are 0 (no saved tensor had been
    # changed in place: the usual case, which then builds no tuple)
    _saved_versions: tuple[int, ...] | None = None
    _outputs: Any = None  # the output array (or tuple of arrays); kept only if saved
    # the outputs' version counters, kept with them: backward refuses an output that was changed
    # in place since (its saved values are gone), as PyTorch does. One list per output (None for a
    # non-Tensor one); an Op's single output keeps its counter bare: one object less per node.
    _out_vcs: Any = None
    _n_outputs: int = 1
    # hooks by output index (a Tensor's ``register_hook`` on a non-leaf), and the node's own under
    # "node" (``register_prehook``) and "post" (``register_hook``): one dict, one test in the walk
    _pre_hooks: dict[int | str, list[Callable[..., Any]]] | None = None
    _retained: dict[int, Any] | None = None
    _materialize: bool = True
    _viz_named: Any = None  # (weak reference to the output a user named, its stand-in): see label
    _out_meta: list[Any]
    _node_name: str = "FunctionBackward0"
    # An op whose backward is one formula of Python operators on ``grad`` and the saved values
    # (``grad * (1 - out * out)``), nothing else, sets this: a first-order backward then runs that
    # formula on the raw arrays (NumPy scalars for 0-d tensors), making no Tensor per operation;
    # under ``create_graph=True`` the same formula runs on Tensors and is recorded. One backward.
    backward_on_arrays: bool = False
    _on_arrays: bool = False  # True while it runs so: ``saved_tensors`` then gives arrays
    op_name: str = "Function"  # the class's name in the source (``Mul``), for drawings and export

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # ndgrad's own ops take PyTorch's node names (``class Mul`` is ``MulBackward0`` in reprs and
        # in ``type(y.grad_fn).__name__``); a user's Function keeps its class name (see _node_names)
        super().__init_subclass__(**kwargs)
        _enter_fields(cls)
        cls.op_name = cls.__name__
        if cls.__module__.startswith("ndgrad.") and cls.__module__ != __name__:
            cls.__name__ = cls.__qualname__ = cls._node_name = node_name(
                cls.__module__, cls.__name__
            )
        else:
            cls._node_name = cls.__name__ + "Backward0"

    # -- the API an op implements --------------------------------------------------------------
    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define a static backward(ctx, ...)")

    # -- ctx methods ----------------------------------------------------------------------------
    def save_for_backward(self, *values: Any) -> None:
        """Keep what backward needs; ``saved_tensors`` gives it back in the same order.

        The one channel from forward to backward: tensors (in an Op, arrays, given back as Tensors)
        and the non-tensor options backward needs (dims, flags, shapes, an op's own helper object),
        which are kept and given back as they are. Nothing else is stashed on the node.
        """
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What forward saved, as Tensors (as arrays while a ``backward_on_arrays`` runs on arrays);
        raises if the graph was already freed by a backward."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time."
            )
        on_arrays = self._on_arrays
        out: list[Any] = []
        for i, s in enumerate(saved):
            if s is None:  # the usual "this gradient is not needed" placeholder: the cheapest test
                out.append(s)
                continue
            if type(s) is _OutputRef:
                data = self._outputs[s.index]
                vcs = self._out_vcs
                vc = vcs if vcs is None or vcs.__class__ is list else vcs[s.index]
                if vc is not None and vc[0] != 0:
                    raise RuntimeError(
                        "one of the variables needed for gradient computation has been modified "
                        f"by an inplace operation: [{data.dtype} {list(data.shape)}], which is "
                        f"output {s.index} of {self.name()}, is at version {vc[0]}; expected "
                        "version 0 instead."
                    )
                out.append(data if on_arrays else Tensor._make(data, True, self, s.index))
                continue
            if isinstance(s, Tensor):
                cur = s._vc[0] if s._vc is not None else 0
                if cur != self._saved_version(i):
                    raise RuntimeError(
                        "one of the variables needed for gradient computation has been modified "
                        f"by an inplace operation: [{s.dtype.name} {list(s.shape)}] is at version "
                        f"{cur}; expected version {self._saved_version(i)} instead. Hint: the "
                        f"operation that failed was {self.name()}."
                    )
                out.append(_value(s.array) if on_arrays else s)
            elif _is_array(s):
                out.append(s if on_arrays else Tensor._make(s, False, None))
            else:  # a number, a tuple of dims, a flag...: options, given back as they are
                out.append(s)
        return tuple(out)

    def _free_saved(self) -> None:
        """After a backward without ``retain_graph``: let the saved tensors go, so a second backward
        through this node raises. A node that saved options only (a reduction's dims, a shape) has
        nothing to free and can run again, as in PyTorch (``y = x.sum(); y.backward()`` twice)."""
        for s in self._saved or ():
            if isinstance(s, Tensor) or type(s) is _OutputRef or _is_array(s):
                self._saved = self._outputs = None
                return

    def _saved_version(self, i: int) -> int:
        """The version saved value ``i`` had when it was saved."""
        versions = self._saved_versions
        return 0 if versions is None else versions[i]

    def _forget_version(self, i: int) -> None:
        """Saved value ``i`` was replaced by a fresh copy (version 0): stop checking the old one."""
        if self._saved_versions is not None:
            self._saved_versions = self._saved_versions[:i] + (0,) + self._saved_versions[i + 1 :]

    @property
    def next_functions(self) -> tuple[tuple[Any, ...] | None, ...]:
        """One ``(node, output_index, shape, np_dtype)`` per positional input, None where no
        gradient flows; a node is another Function, or the leaf Tensor that collects the
        gradient."""
        nexts, m = self._nexts(), self._meta
        return tuple(
            None if nexts[k] is None else (nexts[k], *m[3 * k : 3 * k + 3])
            for k in range(len(m) // 3)
        )

    def _nexts(self) -> tuple[Any, ...]:
        """The next node of each input, None where no gradient flows (a 1-input node ends with an
        unused None)."""
        return (self._next0, self._next1) + self._next_more

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Accepted for PyTorch compatibility: non-float outputs never require grad in ndgrad."""

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize = value

    def name(self) -> str:
        """PyTorch's node name, e.g. ``MulBackward0``."""
        return self._node_name

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def register_prehook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(grad_outputs)`` (a tuple, one gradient per output) before this node's
        backward; a tuple it returns replaces them. ``handle.remove()`` unregisters it."""
        return self._add_hook("node", hook)

    def register_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward; a tuple it returns
        replaces the gradients of the inputs. ``handle.remove()`` unregisters it."""
        return self._add_hook("post", hook)

    def _add_hook(self, key: int | str, hook: Callable[..., Any]) -> Any:
        """Register ``hook`` under ``key`` (an output index, "node" or "post"); a removable
        handle."""
        from ndgrad.tensor import _RemovableHandle

        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _RemovableHandle(self._pre_hooks.setdefault(key, []), hook)

    @property
    def _viz_tensor(self) -> Any:
        """The output a user named for graph drawings (``ndgrad.viz``): the tensor while it lives,
        then a stand-in with its name and data (its retained grad went with it)."""
        if self._viz_named is None:
            return None
        ref, stand_in = self._viz_named
        live = ref()
        return stand_in if live is None else live

    def _retain(self, index: int, tensor: Tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[index] = weakref.ref(tensor)

    # -- running the node (the engine calls this) --------------------------------------------
    def _call_backward(self, out_grads: list[Any]) -> tuple[Any, ...]:
        """Backward on the gradients of this node's outputs: one gradient (or None) per input."""
        if self.backward_on_arrays and not grad_mode.state.enabled:
            return self._call_backward_on_arrays(out_grads[0])
        if self._n_outputs == 1:
            in_grads = self.backward(self, out_grads[0])
        else:
            in_grads = self.backward(self, *self._materialized(out_grads))
        if in_grads.__class__ is not tuple:
            in_grads = (in_grads,)
        n = len(self._meta) // 3
        if len(in_grads) != n:  # trailing gradients of inputs that need none may be left out
            if any(e is not None for e in self._nexts()[len(in_grads) : n]) or any(
                g is not None for g in in_grads[n:]
            ):
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients (expected "
                    f"{n}, got {len(in_grads)})"
                )
        return in_grads

    def _call_backward_on_arrays(self, grad: Tensor) -> tuple[Any, ...]:
        """A first-order ``backward_on_arrays`` (one output): the formula on the raw arrays."""
        g_in = _value(grad.array)
        self._on_arrays = True
        try:
            in_grads = self.backward(self, g_in)
        finally:
            self._on_arrays = False
        if in_grads.__class__ is not tuple:
            in_grads = (in_grads,)
        # a gradient passed through unchanged (``grad, -grad``) is handed on as the same Tensor
        return tuple(
            [
                None if g is None else grad if g is g_in else Tensor._make(g, False, None)
                for g in in_grads
            ]
        )

    def _materialized(self, out_grads: list[Any]) -> list[Any]:
        """Zeros for the outputs that got no gradient (unless ``set_materialize_grads(False)``)."""
        if not self._materialize:
            return out_grads
        return [
            Tensor._make(xp_of(arr).zeros_like(arr), False, None)
            if g is None and arr is not None
            else g
            for g, arr in zip(out_grads, self._out_meta, strict=True)
        ]

    # -- building the node ------------------------------------------------------------------------
    def _link(self, args: tuple[Any, ...]) -> bool:
        """Fill the edges from the positional inputs; False when no input needs a gradient."""
        if len(args) == 2:  # most ops: built directly, no lists (a measurable cost)
            a, b = args
            na = isinstance(a, Tensor) and a.requires_grad
            nb = isinstance(b, Tensor) and b.requires_grad
            # the tuples spelt out: concatenating metadata tuples, or a starred _NO_META, costs more
            if na and nb:
                da, db = a.array, b.array
                self._next0, self._next1 = a.grad_fn or a, b.grad_fn or b
                self._meta = (a._out_idx, da.shape, da.dtype, b._out_idx, db.shape, db.dtype)
            elif na:
                da = a.array
                self._next0 = a.grad_fn or a
                self._meta = (a._out_idx, da.shape, da.dtype, 0, None, None)
            elif nb:
                db = b.array
                self._next1 = b.grad_fn or b
                self._meta = (0, None, None, b._out_idx, db.shape, db.dtype)
            else:
                return False
            self.needs_input_grad = _NEEDS_2[na][nb]
            return True
        nexts: list[Any] = []
        meta: list[Any] = []
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                nexts.append(a.grad_fn or a)
                meta += (a._out_idx, a.array.shape, a.array.dtype)
            else:
                nexts.append(None)
                meta += _NO_META
        if nexts:
            self._next0 = nexts[0]
        if len(nexts) > 1:
            self._next1 = nexts[1]
        if len(nexts) > 2:
            self._next_more = tuple(nexts[2:])
        self._meta = tuple(meta)
        needs = tuple(e is not None for e in nexts)
        self.needs_input_grad = _NEEDS_1[needs[0]] if len(needs) == 1 else needs
        return True in needs

    def _keep_saved(self, args: tuple[Any, ...], outputs: list[Any], arrays: list[Any]) -> None:
        """Turn what forward saved into references backward can differentiate through.

        ``outputs`` are the objects forward returned (arrays or Tensors), ``arrays`` their arrays.
        """
        resolved: list[Any] = []
        changed = False  # some saved tensor had been changed in place: its version is not 0
        # Identity tests only, in plain loops (with one or two outputs and inputs, a generator or a
        # dict costs more than the search, and this runs for every recorded op): an option (a dim,
        # a flag) is never the very object an output or an input's array is, so it stays as is.
        for s in self._saved or ():
            if s is not None:
                for i, o in enumerate(outputs):
                    if s is o:  # the node's own output: referred to by index (no reference cycle)
                        self._outputs = tuple(arrays)
                        s = _output_ref(i)
                        break
                else:
                    for a in args:  # an input's array: keep the input Tensor itself
                        if isinstance(a, Tensor) and a.array is s:
                            s = a
                            break
                    if isinstance(s, Tensor) and s._vc is not None:
                        changed = changed or s._vc[0] != 0
            resolved.append(s)
        self._saved = tuple(resolved)
        if changed:
            self._saved_versions = tuple(
                s._vc[0] if isinstance(s, Tensor) and s._vc is not None else 0 for s in resolved
            )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward on Tensors under no_grad and record the node if an input needs a gradient."""
        if profile_hook is not None and profile_hook.bypass is not cls:  # a profile times the call
            return profile_hook.run_op(cls, args, kwargs)
        ctx = cls.__new__(cls)
        record = grad_mode.state.enabled and ctx._link(args)
        if not record:
            ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev = grad_mode.state.enabled
        grad_mode.state.enabled = False
        try:
            result = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode.state.enabled = prev
        if not record:
            return result
        outs = list(result) if isinstance(result, tuple) else [result]
        ctx._n_outputs = len(outs)
        if len(outs) > 1:  # what zero gradients look like, for outputs that get none
            ctx._out_meta = [o.array if isinstance(o, Tensor) else None for o in outs]
        new_outs = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and o.dtype.is_floating_point:
                if any(o is a for a in args):  # forward returned an input: hand out a new tensor
                    o = Tensor._make(o.array, True, ctx, i)
                else:
                    o.grad_fn, o._out_idx, o.requires_grad = ctx, i, True
            new_outs.append(o)
        if ctx._saved:
            arrays = [o.array if isinstance(o, Tensor) else o for o in outs]
            ctx._keep_saved(args, outs, arrays)
            if ctx._outputs is not None:  # backward reads an output: watch it for in-place changes
                vcs = [o._shared_vc() if isinstance(o, Tensor) else None for o in new_outs]
                # (an output that is a view of something already changed starts past 0: unwatched)
                ctx._out_vcs = tuple(vc if vc is not None and vc[0] == 0 else None for vc in vcs)
        return tuple(new_outs) if isinstance(result, tuple) else new_outs[0]


def _value(array: Any) -> Any:
    """A NumPy 0-d array as a NumPy scalar (same value and dtype; arithmetic on it is several times
    faster), anything else as it is: what a ``backward_on_arrays`` formula computes with."""
    if array.__class__ is np.ndarray and array.ndim == 0:
        return array[()]
    return array


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a ``backward`` as first order only (PyTorch's
    ``autograd.function.once_differentiable``).

    Such a backward computes on arrays, so a graph of it would be wrong: under
    ``create_graph=True`` (grad mode on while it runs) it raises instead of returning gradients
    that silently miss their second derivatives.
    """

    @functools.wraps(backward)
    def first_order_backward(ctx: Any, *grads: Any) -> Any:
        if grad_mode.state.enabled:
            raise_once_differentiable(ctx)
        return backward(ctx, *grads)

    return first_order_backward


def raise_once_differentiable(ctx: Any) -> None:
    """The error of a first-order-only backward asked for a graph (``create_graph=True``)."""
    raise RuntimeError(
        f"{ctx.name()}: trying to differentiate twice a function that was marked with "
        "@once_differentiable (its backward is first order only); use create_graph=False"
    )


def _torch_error(op: str, exc: Exception, args: tuple[Any, ...]) -> Exception | None:
    from ndgrad.ops._util import torch_error  # the ops import this module: bound on first error

    return torch_error(op, exc, args)


class _OutputRef:
    """Stands, among the saved values, for output number ``index`` of the node itself."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


# One _OutputRef per output index, shared by all nodes: a saved output costs no object of its own.
_OUTPUT_REFS: list[_OutputRef] = []


def _output_ref(index: int) -> _OutputRef:
    while len(_OUTPUT_REFS) <= index:
        _OUTPUT_REFS.append(_OutputRef(len(_OUTPUT_REFS)))
    return _OUTPUT_REFS[index]


class Op(Function):
    """A built-in op: ``forward(ctx, *arrays, **options)`` computes on raw arrays and returns one
    array; ``backward(ctx, grad)`` returns the input gradients as Tensors (None where not needed).

    A 0-d result may be a NumPy scalar (``np.float32``): NumPy returns those, and arithmetic on them
    is several times faster than on 0-d arrays. In-place ops turn one into a 0-d array first.
    """

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        if profile_hook is not None and profile_hook.bypass is not cls:  # a profile times the call
            return profile_hook.run_op(cls, args, kwargs)  # type: ignore[no-any-return]
        ctx = cls.__new__(cls)
        record = grad_mode.state.enabled and ctx._link(args)
        if not record:
            ctx.needs_input_grad = (False,) * len(args)
        # forward gets the arrays of the tensor inputs. One and two inputs are nearly every call,
        # so they are spelt out: building and unpacking a list per op is a measurable cost.
        # A call spelt with ``**kwargs`` takes CPython's generic path even when they are empty.
        n = len(args)
        try:
            if n == 2 and not kwargs:
                a, b = args
                out = cls.forward(
                    ctx,
                    a.array if isinstance(a, Tensor) else a,
                    b.array if isinstance(b, Tensor) else b,
                )
            elif n == 1 and not kwargs:
                a = args[0]
                out = cls.forward(ctx, a.array if isinstance(a, Tensor) else a)
            else:
                out = cls.forward(
                    ctx, *[a.array if isinstance(a, Tensor) else a for a in args], **kwargs
                )
        except (ValueError, TypeError) as exc:
            # NumPy's refusals as PyTorch's errors (free until raised)
            err = _torch_error(cls.__name__, exc, args)
            if err is None:
                raise
            raise err from None
        # an integer or boolean result carries no gradient
        if not record or (out.__class__ not in FLOAT_SCALAR_TYPES and out.dtype.kind != "f"):
            return Tensor._make(out, False, None)
        if ctx._saved:
            ctx._keep_saved(args, [out], [out])
            if ctx._outputs is not None:  # backward reads its output: watch it for in-place changes
                t = Tensor._make(out, True, ctx)
                t._vc = ctx._out_vcs = [0]
                return t
        return Tensor._make(out, True, ctx)
