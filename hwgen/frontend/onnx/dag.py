"""The activation graph of an ONNX model: the nodes that compute from the model input, in order.

A tensor is an *activation* when it is the model input or an output of a node that reads an
activation; every other tensor (initializers, Constant nodes, nodes of constants only) is a
constant. The readers visit the activation nodes in topological order, the model's own node
order breaking ties, so that every layer is built after the layers it reads. A tensor read by
several nodes is a fork; a node reading two activations (an Add) joins two branches.

:func:`activation_graph` records the structural problems on the
:class:`~hwgen.frontend.onnx.graph.OnnxGraph`: activations that lead nowhere, an output that
other nodes read, nodes off every path from the input to the output, cycles.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from .folding import FOLDABLE_OPS
from .graph import node_name

__all__ = ["ActivationGraph", "activation_graph"]


@dataclass
class ActivationGraph:
    """The activation nodes of a model in topological order.

    Attributes
    ----------
    order : list
        Activation nodes in topological order.
    consumers : dict
        Activation tensor name -> ``[(node, input position), ...]`` of the nodes reading it.
    complete : bool
        No structural problem was found (every activation leads to the output).
    """

    order: list = field(default_factory=list)
    consumers: dict = field(default_factory=dict)
    complete: bool = True

    def activation_inputs(self, node) -> list[int]:
        """Positions of ``node``'s inputs that are activations."""
        return self._inputs[id(node)]

    def fans_out(self, tensor: str) -> bool:
        """Whether several node inputs read ``tensor`` (a fork)."""
        return len(self.consumers.get(tensor, ())) > 1


def _reached(nodes, consumers, source: str) -> tuple[set, dict]:
    """Activation tensors and, per reached node, the positions of its activation inputs."""
    active, inputs, frontier = {source}, {}, [source]
    while frontier:
        for node, _ in consumers.get(frontier.pop(), ()):
            if id(node) in inputs:
                continue
            inputs[id(node)] = []
            for out in node.output:
                if out and out not in active:
                    active.add(out)
                    frontier.append(out)
    for node in nodes:
        if id(node) in inputs:
            inputs[id(node)] = [i for i, name in enumerate(node.input) if name in active]
    return active, inputs


def _topological(nodes, inputs, producer) -> tuple[list, list]:
    """Kahn's algorithm over the reached nodes, the model's order breaking ties; returns the
    order and the nodes left over (on a cycle)."""
    rank = {id(n): i for i, n in enumerate(nodes)}
    waiting, ready, users = {}, [], {}
    for node in nodes:
        if id(node) not in inputs:
            continue
        parents = {id(producer[node.input[i]]) for i in inputs[id(node)]
                   if node.input[i] in producer}
        waiting[id(node)] = len(parents)
        for parent in parents:
            users.setdefault(parent, []).append(node)
        if not parents:
            heapq.heappush(ready, (rank[id(node)], node.name, id(node)))
    by_id = {id(n): n for n in nodes}
    order = []
    while ready:
        _, _, key = heapq.heappop(ready)
        order.append(by_id[key])
        for user in users.get(key, ()):
            waiting[id(user)] -= 1
            if not waiting[id(user)]:
                heapq.heappush(ready, (rank[id(user)], user.name, id(user)))
    done = {id(n) for n in order}
    return order, [by_id[k] for k in waiting if k not in done]


def activation_graph(g, ignored=("Constant",), *, supported=()) -> ActivationGraph:
    """The activation nodes of ``g`` in topological order; problems are recorded on ``g``.

    Parameters
    ----------
    g : OnnxGraph
        With :attr:`input_name` and :attr:`output_name` set.
    ignored : tuple of str
        Op types that only make constants.
    supported : tuple of str
        Op types worth reporting when they do not lie between the input and the output.
    """
    nodes = [n for n in g.model.graph.node if n.op_type not in ignored]
    consumers, producer = {}, {}
    for node in nodes:
        for pos, name in enumerate(node.input):
            if name:
                consumers.setdefault(name, []).append((node, pos))
        for out in node.output:
            if out:
                producer[out] = node
    active, inputs = _reached(nodes, consumers, g.input_name)
    dag = ActivationGraph(consumers={t: consumers.get(t, []) for t in active})
    dag._inputs = inputs
    dag.order, cyclic = _topological(nodes, inputs, producer)
    if cyclic:
        g.problem("the graph has a cycle", cyclic[0])
        dag.complete = False
    out = g.output_name
    ends = [g.input_name] + [n.output[0] for n in dag.order if n.output and n.output[0]]
    for tensor in ends:
        if tensor != out and not consumers.get(tensor):
            g.problem(f"tensor {tensor!r} is used by no node and is not the model output "
                      f"{out!r}")
            dag.complete = False
    for node in dag.order:
        if not node.output or not node.output[0]:
            g.problem("the node has no output", node)
            dag.complete = False
    if out in active and consumers.get(out):
        g.problem(f"the output {out!r} also feeds "
                  f"{', '.join(repr(node_name(n)) for n, _ in consumers[out])}; the model output "
                  "must be a tensor no node reads")
        dag.complete = False
    if dag.complete and out not in active:
        g.problem(f"the output {out!r} is not computed from the input {g.input_name!r}")
        dag.complete = False
    if dag.complete:
        for node in nodes:
            if id(node) not in inputs and node.op_type in supported:
                g.problem("node is not on a path from the model input to its output: it "
                          "computes from constants only, and hwgen folds only "
                          f"{', '.join(FOLDABLE_OPS)} of constants; fold it before export "
                          "(e.g. onnx-simplifier)", node)
    return dag
