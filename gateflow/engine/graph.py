"""The `Graph`: gate applications, inputs, parameters and constants on a networkx DAG.

Every node of ``graph.nx`` carries ``kind`` (input, param, const or gate), and a gate node
its ``gate`` and the ordered names of its ``inputs``; each edge records the argument
``slots`` it feeds. Building refuses cycles, wrong arities and duplicate names at the
moment they happen and then leaves the graph as it was. Nodes `gf.grad` added also carry
``grad_of``, the name of the output they differentiate.
"""

from __future__ import annotations

from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import Any, Iterable, Iterator, Mapping, Sequence

import networkx as nx
import numpy as np

from gateflow import gates as G
from gateflow.errors import (
    ArityError,
    CycleError,
    DuplicateNameError,
    FeedError,
    GateflowError,
    GraphError,
    ShapeError,
    UnknownNodeError,
)
from gateflow.gates.base import Gate
from gateflow import registry as plugin_registry
from gateflow.engine.display import svg
from gateflow.engine.run import Run
from gateflow.engine.scheduler import Plan, paused_gc
from gateflow.engine.values import UnknownShapeError, checked_value, stored_value

KINDS = ("input", "param", "const", "gate")

# Gates are stateless, so the operators share one instance of each parameter-free gate.
_ADD, _SUB, _MUL, _DIV = G.AddGate(), G.SubtractGate(), G.MultiplyGate(), G.DivideGate()
_MATMUL, _NEG, _RECIPROCAL, _POW = G.MatMulGate(), G.NegateGate(), G.ReciprocalGate(), G.PowGate()
_PLAN_CACHE_SIZE = 64
_SLOTS = tuple((slot,) for slot in range(8))  # the edges' usual `slots` values, shared


class Operators:
    """Arithmetic on handles: ``(x + y) * z`` applies an `AddGate` and a `MultiplyGate`.

    Each operator hands its gate and operands to `_combine`: a `Node` adds the gate to its
    graph at once; `gf.grad`'s pending nodes record it until it is needed.
    """

    __slots__ = ()
    __array_ufunc__ = None  # make `ndarray * node` call __rmul__

    def _combine(self, gate: Gate, operands: tuple) -> Any:
        raise NotImplementedError

    def __add__(self, other): return self._combine(_ADD, (self, other))
    def __radd__(self, other): return self._combine(_ADD, (other, self))
    def __sub__(self, other): return self._combine(_SUB, (self, other))
    def __rsub__(self, other): return self._combine(_SUB, (other, self))
    def __mul__(self, other): return self._combine(_MUL, (self, other))
    def __rmul__(self, other): return self._combine(_MUL, (other, self))
    def __truediv__(self, other): return self._combine(_DIV, (self, other))
    def __matmul__(self, other): return self._combine(_MATMUL, (self, other))
    def __rmatmul__(self, other): return self._combine(_MATMUL, (other, self))
    def __neg__(self): return self._combine(_NEG, (self,))

    def __rtruediv__(self, other):
        if isinstance(other, (int, float)) and other == 1:
            return self._combine(_RECIPROCAL, (self,))
        return self._combine(_DIV, (other, self))

    def __pow__(self, exponent):
        if isinstance(exponent, (int, float)):
            return self._combine(G.PowerGate(exponent=float(exponent)), (self,))
        return self._combine(_POW, (self, exponent))

    def __rpow__(self, base):
        return self._combine(_POW, (base, self))

    @property
    def T(self):
        """The transpose (all axes reversed)."""
        return self._combine(G.TransposeGate(), (self,))

    def sum(self, axis=None, keepdims=False):
        return self._combine(G.SumGate(axis=axis, keepdims=keepdims), (self,))

    def mean(self, axis=None, keepdims=False):
        return self._combine(G.MeanGate(axis=axis, keepdims=keepdims), (self,))

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self._combine(G.ReshapeGate(shape=tuple(shape)), (self,))


class Node(Operators):
    """A handle on one node of a graph. Arithmetic on handles adds gates to the graph:
    ``(x + y) * z`` adds an `AddGate` and a `MultiplyGate`."""

    __slots__ = ("graph", "name")

    def __init__(self, graph: Graph, name: str):
        self.graph = graph
        self.name = name

    @property
    def kind(self) -> str:
        """'input', 'param', 'const' or 'gate'."""
        return self.graph.nx.nodes[self.name]["kind"]

    @property
    def gate(self) -> Gate | None:
        """The gate this node applies (None for leaves)."""
        return self.graph.nx.nodes[self.name].get("gate")

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The nodes feeding this one, in argument order."""
        return tuple(self.graph[n] for n in self.graph.nx.nodes[self.name].get("inputs", ()))

    @property
    def value(self) -> Any:
        """The stored value of a parameter or constant."""
        return self.graph.value(self)

    def __repr__(self) -> str:
        if self.kind == "gate":
            args = ", ".join(n.name for n in self.inputs)
            return f"<Node {self.name!r} = {self.gate.name}({args})>"
        return f"<{self.kind} {self.name!r}>"

    def _combine(self, gate: Gate, operands: tuple) -> Node:
        return self.graph.add_gate(gate, operands)


class Graph:
    """A dataflow graph of gates (see the module docstring for its node attributes)."""

    def __init__(self) -> None:
        self.nx = nx.DiGraph()
        self.version = 0
        self._handles: dict[str, Node] = {}  # made on first request
        self._params: dict[str, Any] = {}
        self._counters: dict[str, int] = {}
        self._numbers: dict[str, str] = {}  # number (as float.hex) -> its shared constant node
        self._auto_prefix = ""  # put before generated names (gf.grad sets "grad/f/")
        self._order: tuple[list[str], dict[str, int], bool] | None = None  # see _ordered
        self._plans: dict[Any, Plan] = {}
        self._plans_generation = plugin_registry.generation
        self._steps: dict[Any, Any] = {}  # compiled steps by (outputs + wrt names, outputs count)

    # -- building ---------------------------------------------------------------------------

    def input(self, name: str) -> Node:
        """A value fed at each forward, by name or by handle."""
        return self._add(self._new_name(name), kind="input")

    def param(self, name: str, value: Any, trainable: bool = True) -> Node:
        """A value kept in the graph; optimizers update it unless ``trainable=False``."""
        stored = self._convert(value, f"parameter {name!r}")
        node = self._add(self._new_name(name), kind="param", trainable=bool(trainable))
        self._params[node.name] = stored
        return node

    def const(self, value: Any, name: str | None = None) -> Node:
        """A fixed value (numbers used in arithmetic on nodes become constants)."""
        return self._handle(self._add_const(self._convert(value, "constant"), name))

    def _number_node(self, value: Any) -> str:
        """The constant node for a number or array used as an operand.

        Equal scalars share one node, so `v * 0.5` in a loop of a million adds one
        constant, not a million; arrays always get a node of their own.
        """
        if isinstance(value, np.ndarray):
            return self._add_const(value)
        key = float(value).hex()
        name = self._numbers.get(key)
        if name is None:
            name = self._numbers[key] = self._add_const(np.float64(value))
        return name

    def _add_const(self, stored: Any, name: str | None = None) -> str:
        name = self._new_name(name, prefix="const")
        self.nx.add_node(name, kind="const", value=stored)
        self._changed()
        return name

    def gate(self, gate: Gate | type[Gate] | str, *inputs: Any, name: str | None = None, **params: Any) -> Node:
        """Apply a gate to inputs: a `Gate` instance, a class, or a registered gate name.

        Inputs are node handles, node names, or numbers/arrays (which become constants).
        Keyword `params` configure a gate given by name or class, e.g. ``g.gate("sum", x, axis=1)``.
        """
        if params or not isinstance(gate, Gate):
            gate = self._make_gate(gate, params)
        return self.add_gate(gate, inputs, name)

    def add_gate(self, gate: Gate, inputs: Sequence[Any], name: str | None = None) -> Node:
        """Add a node applying the Gate instance `gate` to a sequence of `inputs` (what `gate()`
        and the operators do once the gate is built); everything is checked before anything changes."""
        if len(inputs) != gate.arity:
            raise ArityError(
                f"gate {gate.name!r} ({type(gate).__name__}) takes {gate.arity} input(s) but "
                f"was given {len(inputs)}{f' for node {name!r}' if name else ''}."
            )
        operands = []  # node names, and numbers/arrays to become constants (loops, not
        for x in inputs:  # comprehensions, on this hot path: a million gates is normal)
            operands.append(x.name if type(x) is Node and x.graph is self else self._operand(x, gate, name))
        node_name = self._new_name(name, gate.name)
        # Everything is checked: from here on the graph changes.
        names = []
        for operand in operands:
            names.append(operand if type(operand) is str else self._number_node(operand))
        sources = tuple(names)
        dag = self.nx
        dag.add_node(node_name, kind="gate", gate=gate, inputs=sources)
        if len(sources) == 1 or len(sources) == len(set(sources)):  # each input feeds one slot
            slots = _SLOTS if len(sources) <= len(_SLOTS) else [(slot,) for slot in range(len(sources))]
            for source, slot in zip(sources, slots):
                dag.add_edge(source, node_name, slots=slot)
        else:
            for source in dict.fromkeys(sources):
                dag.add_edge(source, node_name, slots=tuple([slot for slot, s in enumerate(sources) if s == source]))
        self._changed()
        node = self._handles[node_name] = Node(self, node_name)  # a new node has no handle yet
        return node

    def replace_input(self, node: Node | str, slot: int, new_input: Node | str) -> None:
        """Rewire argument `slot` of gate `node` to `new_input`, refusing a cycle."""
        target, source = self[node], self[new_input]
        inputs = list(self.nx.nodes[target.name].get("inputs", ()))
        if not 0 <= slot < len(inputs):
            raise GraphError(
                f"node {target.name!r} has argument slots 0..{len(inputs) - 1}; got slot {slot}."
            )
        if target.name == source.name or nx.has_path(self.nx, target.name, source.name):
            path = nx.shortest_path(self.nx, target.name, source.name)
            cycle = path + [target.name] if path[-1] != target.name else path
            raise CycleError(
                f"feeding {source.name!r} into {target.name!r} would create the cycle "
                f"{' -> '.join(cycle)}; a graph must stay acyclic.",
                cycle,
            )
        old = inputs[slot]
        inputs[slot] = source.name
        old_slots = tuple(s for s in self.nx.edges[old, target.name]["slots"] if s != slot)
        if old_slots:
            self.nx.edges[old, target.name]["slots"] = old_slots
        else:
            self.nx.remove_edge(old, target.name)
        edge = self.nx.get_edge_data(source.name, target.name)
        if edge is None:
            self.nx.add_edge(source.name, target.name, slots=(slot,))
        else:
            edge["slots"] = tuple(sorted(edge["slots"] + (slot,)))
        self.nx.nodes[target.name]["inputs"] = tuple(inputs)
        self._changed()

    def _make_gate(self, gate: Any, params: dict[str, Any]) -> Gate:
        if isinstance(gate, str):
            gate_class = plugin_registry.registry().gate_class(gate)
        elif isinstance(gate, type) and issubclass(gate, Gate):
            gate_class = gate
        elif isinstance(gate, Gate):
            if params:
                raise GraphError(
                    f"parameters {sorted(params)} were given with a gate instance {gate!r}; "
                    "pass them to its constructor instead."
                )
            return gate
        else:
            raise GraphError(f"{gate!r} is not a Gate, a Gate class or a registered gate name.")
        try:
            return gate_class(**params)
        except GateflowError:  # e.g. the gate's own GateParameterError
            raise
        except (TypeError, ValueError) as exc:
            raise GraphError(f"cannot build gate {gate_class.name!r} with {params}: {exc}") from exc

    def _operand(self, x: Any, gate: Gate, node_name: str | None) -> Any:
        """The name of a node of this graph, or a number/array converted to a constant value."""
        if isinstance(x, Node):
            if x.graph is not self:
                raise GraphError(
                    f"node {x.name!r} belongs to another graph; {_where(gate, node_name)} can "
                    "only take nodes of its own graph."
                )
            return x.name
        if isinstance(x, str):
            return self[x].name
        if type(x) is float:
            return x  # made a constant (or found among them) once the whole call is checked
        try:
            return stored_value(x)
        except (TypeError, ValueError) as exc:
            raise GraphError(
                f"an input of {_where(gate, node_name)} must be a number or an array of numbers, not {x!r}."
            ) from exc

    @staticmethod
    def _convert(value: Any, what: str) -> Any:
        try:
            return stored_value(value)
        except (TypeError, ValueError) as exc:
            raise GraphError(f"{what} must be a number or an array of numbers, not {exc}.") from None

    def _new_name(self, name: str | None, prefix: str = "") -> str:
        if name is None:
            prefix = self._auto_prefix + prefix
            count = self._counters.get(prefix, 0)
            while True:
                count += 1
                name = f"{prefix}_{count}"
                if name not in self.nx:
                    break
            self._counters[prefix] = count
            return name
        if not isinstance(name, str) or not name:
            raise GraphError(f"a node name must be a non-empty string, not {name!r}.")
        if name in self.nx:
            raise DuplicateNameError(
                f"the graph already has a node named {name!r} ({self.nx.nodes[name]['kind']}); "
                "choose another name or reuse that node."
            )
        return name

    def _add(self, name: str, **attrs: Any) -> Node:
        self.nx.add_node(name, **attrs)
        self._changed()
        return self._handle(name)

    def copy(self) -> Graph:
        """An independent graph with the same nodes, names and values (gates are shared:
        they hold no state)."""
        new = Graph()
        new.nx = self.nx.copy()
        new._params, new._counters, new._numbers = dict(self._params), dict(self._counters), dict(self._numbers)
        return new

    # -- changing as one step (gf.grad) ----------------------------------------------------

    @contextmanager
    def _building(self, prefix: str, keep: bool = True) -> Iterator[int]:
        """Generated names get `prefix` meanwhile; an exception (or, with ``keep=False``,
        the end of the block) removes every node added meanwhile and restores the automatic
        names. Yields the node count before."""
        before, counters, numbers = len(self.nx), dict(self._counters), dict(self._numbers)
        outer, self._auto_prefix, undo = self._auto_prefix, prefix, True
        try:
            yield before
            undo = not keep
        finally:
            self._auto_prefix = outer
            if undo:
                self._remove(list(self.added_since(before)))
                self._counters, self._numbers = counters, numbers

    def added_since(self, count: int) -> Iterator[str]:
        """The names of the nodes added after the graph had `count` nodes, oldest first."""
        return islice(self.nx, count, None)

    def _remove(self, names: Iterable[str]) -> None:
        """Remove nodes nothing outside `names` consumes (the caller makes sure of that)."""
        names = set(names)
        if not names:
            return
        self.nx.remove_nodes_from(names)
        for name in names:
            self._handles.pop(name, None)
        self._numbers = {k: v for k, v in self._numbers.items() if v not in names}
        self._changed()

    def unique_name(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... if it is taken."""
        candidate, count = name, 1
        while candidate in self.nx:
            count += 1
            candidate = f"{name}_{count}"
        return candidate

    def _changed(self) -> None:
        self.version += 1
        self._order = None
        if self._plans:
            self._plans.clear()
        if self._steps:
            self._steps.clear()

    # -- looking at it ----------------------------------------------------------------------

    def __getitem__(self, key: Node | str) -> Node:
        if isinstance(key, Node) and key.graph is self:
            return key
        if isinstance(key, str) and key in self.nx:
            return self._handle(key)
        raise UnknownNodeError(f"the graph has no node {key!r}.")

    def __contains__(self, key: object) -> bool:
        if isinstance(key, Node):
            return key.graph is self
        return isinstance(key, str) and key in self.nx

    def _handle(self, name: str) -> Node:
        node = self._handles.get(name)
        if node is None:
            node = self._handles[name] = Node(self, name)
        return node

    def __len__(self) -> int:
        return len(self.nx)

    def __repr__(self) -> str:
        return f"<Graph of {len(self.nx)} nodes>"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a graph as its drawing (see `gateflow.engine.display`)."""
        return svg(self)

    def __iter__(self) -> Iterator[Node]:
        return map(self._handle, self.nx)

    def nodes(self, kind: str | None = None) -> list[Node]:
        """Every node in the order it was added, or only those of one `kind`."""
        if kind is not None and kind not in KINDS:
            raise GraphError(f"unknown node kind {kind!r}; use one of {KINDS}.")
        return [self._handle(n) for n, k in self.nx.nodes(data="kind") if kind is None or k == kind]

    def parameters(self, trainable: bool | None = None) -> list[Node]:
        """The parameter nodes (only trainable or only frozen ones if asked)."""
        return [
            n for n in self.nodes("param")
            if trainable is None or self.nx.nodes[n.name]["trainable"] == trainable
        ]

    def is_trainable(self, node: Node | str) -> bool:
        return bool(self.nx.nodes[self[node].name].get("trainable", False))

    def value(self, node: Node | str) -> Any:
        """The stored value of a parameter or constant."""
        if type(node) is str and node in self._params:  # the optimizers' per-step read
            return self._params[node]
        name = self[node].name
        attrs = self.nx.nodes[name]
        if attrs["kind"] == "param":
            return self._params[name]
        if attrs["kind"] == "const":
            return attrs["value"]
        raise GraphError(f"node {name!r} is a {attrs['kind']}; only parameters and constants store values.")

    def set_value(self, node: Node | str, value: Any, copy: bool = True) -> None:
        """Replace a parameter's value with one of the same shape.

        With ``copy=False`` a float array is taken over as it is (and made read-only)
        instead of copied: optimizers hand over the fresh arrays they compute.
        """
        name = node if type(node) is str else self[node].name
        old = self._params.get(name)
        if old is None:
            kind = self[name].kind
            raise GraphError(f"node {name!r} is a {kind}, not a parameter; only parameters can be set.")
        take_over = not copy and type(value) is np.ndarray and value.dtype.kind == "f"
        new = value if take_over else self._convert(value, f"parameter {name!r}")
        old_shape, new_shape = getattr(old, "shape", ()), getattr(new, "shape", ())
        if new_shape != old_shape:
            raise ShapeError(
                f"parameter {name!r} has shape {old_shape}; the new value has shape "
                f"{new_shape}. Keep its shape (build a new parameter to change it)."
            )
        if take_over:
            new.setflags(write=False)
        self._params[name] = new

    # -- running ----------------------------------------------------------------------------

    def topological_order(self) -> list[str]:
        """Node names in dependency order, cached until the graph changes.

        That is the order the nodes were added in whenever every edge of ``graph.nx`` runs
        forward in it, as in any graph that was only built up (checking costs a fraction of
        a sort); otherwise (after `replace_input`, or edges added to ``graph.nx`` directly)
        networkx's topological sort.
        """
        return self._ordered()[0]

    def _ordered(self) -> tuple[list[str], dict[str, int], bool]:
        """The topological order, each name's position in it, and whether it is the
        building order (cached)."""
        if self._order is None:
            order = list(self.nx)
            position = dict(zip(order, range(len(order))))
            built = _runs_forward(self.nx, position)
            if not built:
                order = self._sorted()
                position = dict(zip(order, range(len(order))))
            self._order = (order, position, built)
        return self._order

    def _sorted(self) -> list[str]:
        """networkx's topological sort, or a `CycleError` naming a cycle."""
        try:
            return list(nx.topological_sort(self.nx))
        except nx.NetworkXUnfeasible:
            cycle = [u for u, _ in nx.find_cycle(self.nx)]
            raise CycleError(
                f"the graph has a cycle: {' -> '.join(cycle + cycle[:1])}. Remove one of "
                "its edges: gateflow runs acyclic graphs only.",
                cycle,
            ) from None

    def plan(self, outputs: Iterable[Node | str] | Node | str | None = None) -> Plan:
        """The compiled plan computing `outputs` (default: every node), cached per version."""
        if self._plans_generation != plugin_registry.generation:
            self._plans.clear()
            self._plans_generation = plugin_registry.generation
        if outputs is None:
            key = None
        elif isinstance(outputs, (Node, str)):
            key = (self[outputs].name,)
        else:
            key = tuple([self[o].name for o in outputs])
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.clear()
            with paused_gc(len(self.nx)):
                plan = self._plans[key] = self._compile(key)
        return plan

    def _compile(self, names: tuple[str, ...] | None) -> Plan:
        """The plan of every node, or of those `names` need: the full plan again when they
        need every node, else one compiled from the needed part of the order."""
        full = self._plans.get(None)
        if full is None:
            order, position, built = self._ordered()
            nodes = self.nx.nodes
            attrs = map(itemgetter(1), nodes(data=True)) if built else map(nodes.__getitem__, order)
            full = self._plans[None] = Plan(order, attrs, plugin_registry.registry().observers(), position)
        if names is None:
            return full
        needed = full.needed([full.slot[name] for name in names])
        if all(needed):
            return full
        order = [name for name, need in zip(full.names, needed) if need]
        return Plan(order, map(self.nx.nodes.__getitem__, order), full.observers)

    def forward(self, feeds: dict[Any, Any] | None = None, outputs: Any = None) -> Run:
        """Run the graph: every node `outputs` needs (default: all), in topological order.

        `feeds` maps inputs (by name or handle) to values; a parameter may be fed too, which
        overrides its stored value for this run only. Nothing in the graph changes.
        """
        with paused_gc(len(self.nx)):
            return self._forward(feeds, outputs)

    def _forward(self, feeds: dict[Any, Any] | None, outputs: Any) -> Run:
        plan = self.plan(outputs)
        values = plan.template.copy()
        params = self._params
        for slot, name in plan.params:
            values[slot] = params[name]
        fed = 0
        if feeds:
            if not isinstance(feeds, Mapping):
                raise FeedError(
                    f"feeds must be a dict from inputs (names or handles) to values, not "
                    f"{type(feeds).__name__}: e.g. graph.forward({{'x': 1.0}})."
                )
            inputs = plan.inputs
            for key, value in feeds.items():
                slot = inputs.get(key) if type(key) is str else None
                if slot is None:
                    fed += self._feed_other(plan, values, key, value)
                else:
                    fed += values[slot] is None  # an input fed twice (name and handle) counts once
                    values[slot] = np.float64(value) if type(value) is float else self._feed_value(key, value)
        missing = fed != len(plan.inputs) and [n for n, i in plan.inputs.items() if values[i] is None]
        if missing:
            raise FeedError(
                f"no value was fed for input(s) {', '.join(map(repr, missing))}; pass "
                f"them in the feeds, e.g. graph.forward({{{missing[0]!r}: ...}})."
            )
        plan.run_forward(values)
        return Run(self, plan, values)

    def compile(self, outputs: Any, wrt: Iterable[Any] = (), **options: Any) -> Any:
        """The forward and backward pass as one generated function:
        ``values, grads = step(feeds)`` (see `gateflow.engine.compile.Step`).

        Compiling the same outputs and `wrt` again gives the same step, with the code it
        generated so far, until the graph changes (as a jit keeps its traces)."""
        from gateflow.engine.compile import Step

        outputs = [outputs] if isinstance(outputs, (Node, str)) else list(outputs)
        wrt = list(wrt or ())
        names = [n.name if isinstance(n, Node) and n.graph is self else n for n in outputs + wrt]
        key = None if options or not all(isinstance(n, str) for n in names) else (tuple(names), len(outputs))
        step = self._steps.get(key) if key else None
        if step is None:
            step = Step(self, outputs, wrt, **options)
            if key:
                self._steps[key] = step
        return step

    @staticmethod
    def _feed_value(name: str, value: Any) -> Any:
        try:
            return checked_value(value)
        except UnknownShapeError as exc:
            raise FeedError(f"the value fed for {name!r} cannot be used: {exc}.") from None
        except (TypeError, ValueError) as exc:
            raise FeedError(
                f"the value fed for {name!r} must be a number or an array of numbers, not {exc}."
            ) from None

    def _feed_other(self, plan: Plan, values: list[Any], key: Any, value: Any) -> int:
        """Feed a handle, a parameter, or an input the plan does not need; 1 if an input was fed."""
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name not in self.nx or (not isinstance(key, str) and key.graph is not self):
            inputs = ", ".join(repr(n.name) for n in self.nodes("input")) or "none"
            raise FeedError(f"cannot feed {key!r}: this graph has no such node. Its inputs: {inputs}.")
        kind = self.nx.nodes[name]["kind"]
        if kind not in ("input", "param"):
            raise FeedError(
                f"cannot feed {name!r}: it is a {kind}; only inputs and parameters take feeds."
            )
        slot = plan.slot.get(name)
        if slot is None:
            return 0  # not needed for the requested outputs
        first = kind == "input" and values[slot] is None
        values[slot] = self._feed_value(name, value)
        return int(first)


def _runs_forward(dag: nx.DiGraph, position: dict[str, int]) -> bool:
    """Whether every edge of `dag` goes from an earlier to a later position (`position`
    numbering the nodes in the order `dag` iterates them)."""
    for u_position, (_, successors) in enumerate(dag.adjacency()):
        for v in successors:
            if position[v] <= u_position:
                return False
    return True


def _where(gate: Gate, node_name: str | None) -> str:
    """"gate 'mul' (node 'f')", for messages."""
    return f"gate {gate.name!r}" + (f" (node {node_name!r})" if node_name else "")
