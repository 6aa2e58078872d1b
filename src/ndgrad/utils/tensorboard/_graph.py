"""TensorBoard's GraphDef from ndgrad's own recorded autograd graph (see ``ndgrad.onnx._trace``).

Module names become name scopes (``blocks/0/qkv/Linear_12``), so the Graphs dashboard folds each
module into one box; every node carries the shapes of its outputs (``_output_shapes``), which the
dashboard writes on the edges.
"""

from __future__ import annotations

from typing import Any

from tensorboard.compat.proto import (
    attr_value_pb2,
    graph_pb2,
    node_def_pb2,
    tensor_shape_pb2,
    versions_pb2,
)

from ndgrad.onnx._trace import Node, Trace, Value, trace


def _shape_attr(shapes: list[tuple[int, ...]]) -> attr_value_pb2.AttrValue:
    protos = [
        tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in s]
        )
        for s in shapes
    ]
    return attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(shape=protos))


def _scoped(scope: str, name: str) -> str:
    return "/".join([*scope.split("."), name]) if scope else name


def _value_name(tr: Trace, v: Value) -> str:
    if v.kind == "input":
        return f"input/{v.name}"
    if v.kind == "param":
        return v.name.replace(".", "/")
    if v.kind == "const":
        return f"constants/{v.name}"
    assert v.node is not None
    name = _scoped(v.node.scope, v.node.name)
    return name if v.index == 0 else f"{name}:{v.index}"


def graph_def(model: Any, input_to_model: Any) -> graph_pb2.GraphDef:
    """Run ``model`` once on ``input_to_model`` and describe the ops it recorded."""
    tr, _ = trace(model, input_to_model)
    nodes: list[node_def_pb2.NodeDef] = []
    for v in tr.inputs:
        nodes.append(node_def_pb2.NodeDef(name=_value_name(tr, v), op="IO Node", attr=_attrs(v)))
    used = {id(i) for n in tr.nodes for i in n.inputs if i is not None}
    for v in tr.params + tr.consts:
        if id(v) in used:
            op = "Parameter" if v.kind == "param" else "Constant"
            nodes.append(node_def_pb2.NodeDef(name=_value_name(tr, v), op=op, attr=_attrs(v)))
    for n in tr.nodes:
        outs = [n.outputs[i].shape for i in sorted(n.outputs)]
        kind = tr.module_types.get(n.scope, "")
        attr = {"_output_shapes": _shape_attr(outs)}
        if kind:
            attr["module"] = attr_value_pb2.AttrValue(s=f"{n.scope} ({kind})".encode())
        nodes.append(
            node_def_pb2.NodeDef(
                name=_scoped(n.scope, n.name),
                op=n.op,
                input=[_value_name(tr, i) for i in _inputs(tr, n)],
                attr=attr,
            )
        )
    for k, v in enumerate(tr.outputs):
        nodes.append(
            node_def_pb2.NodeDef(
                name=f"output/output_{k}", op="IO Node", input=[_value_name(tr, v)], attr=_attrs(v)
            )
        )
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


def _inputs(tr: Trace, n: Node) -> list[Value]:
    """The node's graph inputs, plus model inputs it saved (an embedding's indices have no edge)."""
    ins = [i for i in n.inputs if i is not None]
    for s in n.fn._saved or ():
        v = tr.by_tensor.get(id(s))
        if v is not None and v.kind == "input" and v not in ins:
            ins.append(v)
    return ins


def _attrs(v: Value) -> dict[str, attr_value_pb2.AttrValue]:
    return {
        "_output_shapes": _shape_attr([v.shape]),
        "dtype": attr_value_pb2.AttrValue(s=str(v.dtype).encode()),
    }
