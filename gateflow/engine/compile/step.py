"""`Step`: a graph's forward and backward pass as one generated Python function.

The first call with values of some types, shapes and dtypes *specialises*: it copies the
graph privately, writes the backward pass into the copy with `gf.grad`, runs the copy
once through the interpreter (which checks the feeds and gives every node's shape),
rewrites it and generates the function. Later calls with the same kinds of values run that
function alone; other shapes specialise again (each specialisation is kept, as JAX's jit
keeps its traces). The user's graph is never changed.

The interpreter takes over, with the same results, where generated code cannot help:
feeds that are not numpy values (a dask or CuPy array stays what it is), graphs larger
than `max_gates`, and while a plugin observes gates (the anomaly detector, the profiler),
which then sees every gate as usual; the last two say so once in a `CompileWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from gateflow import registry as plugin_registry
from gateflow.errors import CompileWarning, FeedError, GateflowError, GraphError, ShapeError, UnknownNodeError
from gateflow.engine.compile import codegen
from gateflow.engine.compile.results import Layout, StepResult, result_class
from gateflow.engine.compile.fusion import find_losses, fuse_losses, pair_losses
from gateflow.engine.compile.rewrites import Program, plan_buffers, simplify
from gateflow.engine.grad import grad
from gateflow.engine.graph import Graph, Node
from gateflow.engine.scheduler import paused_gc
from gateflow.engine.values import checked_value

MAX_GATES = 100_000  # past this many forward gates a step runs on the interpreter
_EMPTY: dict = {}
_PLAIN = (float, int, np.ndarray, np.generic, list, tuple)


@dataclass
class Specialisation:
    """One generated function, for one set of value types, shapes and dtypes."""

    program: Program
    mode: str  # "math" (Python floats) or "numpy"
    function: Callable
    source: str
    results: tuple[type, type]
    numpy_function: Callable | None = None

    def run(self, feeds: Any, params: dict) -> Any:
        """The function's result; a float computation numpy would have answered with inf
        or nan (1/0, exp(1000), log(0)) is done again with numpy."""
        try:
            return self.function(feeds, params)
        except (ArithmeticError, ValueError):
            if self.mode != "math":
                raise
        if self.numpy_function is None:
            self.numpy_function = codegen.load(*codegen.generate(self.program, "numpy", "the same, with numpy", self.results))
        return self.numpy_function(feeds, params)


def _signature(value: Any) -> Any:
    """What a specialisation fixes about a value (what its generated code checks)."""
    if type(value) is np.ndarray:
        return ("array", value.shape, value.dtype)
    return ("scalar", value.dtype)


def _numpy_value(value: Any) -> Any:
    """`value` as the interpreter takes it, or None if it is not a plain numpy value."""
    if not isinstance(value, _PLAIN):
        return None
    value = np.float64(value) if type(value) is float else checked_value(value)
    return value if type(value) is np.ndarray or isinstance(value, np.floating) else None


class Step:
    """``values, grads = step(feeds)``: the values of `outputs` and the gradients of the
    first output with respect to each `wrt` node, computed by generated code (see the
    module docstring). `source` is the code of the latest specialisation."""

    def __init__(
        self,
        graph: Graph,
        outputs: Sequence[Any],
        wrt: Sequence[Any] = (),
        seed: Any = None,
        max_gates: int = MAX_GATES,
    ):
        self.graph = graph
        self.outputs = tuple(graph[o].name for o in outputs)
        if not self.outputs:
            raise GraphError("compile needs at least one output node: compile(outputs=[loss], ...).")
        plan = graph.plan(self.outputs)
        self.wrt = tuple(self._wrt_name(plan, w) for w in wrt)
        self.seed = None if seed is None else self._checked_seed(seed)
        self.max_gates = max_gates
        self._results = (result_class(Layout(graph, self.outputs, "output")), result_class(Layout(graph, self.wrt, "wrt")))
        self._params = graph._params
        self._reset()

    def _checked_seed(self, seed: Any) -> Any:
        """The seed as run.backward takes it (its shape is checked once the output's is known)."""
        try:
            return checked_value(seed)
        except (TypeError, ValueError) as exc:
            raise FeedError(
                f"the seed gradient for {self.outputs[0]!r} must be a number or an array "
                f"of numbers, not {exc}."
            ) from None

    def _wrt_name(self, plan: Any, key: Any) -> str:
        if isinstance(key, Node) and key.graph is not self.graph:
            raise UnknownNodeError(f"{key!r} is not a node of this graph.")
        name = key.name if isinstance(key, Node) else key
        if not isinstance(name, str) or name not in self.graph:
            raise UnknownNodeError(f"the graph has no node {key!r}.")
        if name not in plan.slot:
            raise UnknownNodeError(
                f"node {name!r} was not computed in this run; request it with "
                f"graph.forward(feeds, outputs=[...]) or check the name."
            )
        return name

    def _reset(self) -> None:
        graph = self.graph
        self._version, self._generation = graph.version, plugin_registry.generation
        self._specs: dict[Any, Specialisation] = {}  # by the feeds' and parameters' signatures
        self._copies: dict[Any, tuple[Graph, list[str]]] = {}
        self._last: Specialisation | None = None
        self._function: Callable | None = None  # the latest specialisation's, tried first
        plan = graph.plan(self.outputs)
        self._leaves = {name: kind for name, kind in ((n, graph.nx.nodes[n]["kind"]) for n in plan.names) if kind in ("input", "param")}
        self._observed = plugin_registry.registry().observers() != (None, None)
        self._gates = len(plan.steps)
        self._too_big = self._gates > self.max_gates
        self._noticed = False

    # -- calling ------------------------------------------------------------------------

    def __call__(self, feeds: dict[Any, Any] | None = None) -> tuple[StepResult, StepResult]:
        function = self._function
        if function is not None and self.graph.version == self._version and plugin_registry.generation == self._generation:
            try:
                result = function(_EMPTY if feeds is None else feeds, self._params)
            except Exception as exc:
                return self._recover(exc, feeds)
            if result is not None:
                return result
        return self._slow(_EMPTY if feeds is None else feeds)

    def _recover(self, exc: Exception, feeds: Any) -> tuple[StepResult, StepResult]:
        """After the latest specialisation raised: its numpy version, if its Python floats
        met 1/0 or an overflow, else the interpreter's verdict."""
        if isinstance(exc, GateflowError):
            raise exc
        feeds = _EMPTY if feeds is None else feeds
        if self._last.mode == "math" and isinstance(exc, (ArithmeticError, ValueError)):
            try:
                return self._last.run(feeds, self._params) or self._slow(feeds)
            except GateflowError:
                raise
            except Exception as again:
                exc = again
        return self._interpret_after(exc, feeds)

    def _slow(self, feeds: dict[Any, Any]) -> tuple[StepResult, StepResult]:
        if self.graph.version != self._version or plugin_registry.generation != self._generation:
            self._reset()
        if self._observed or self._too_big:
            self._notice()
            return self._interpret(feeds)
        named = self._named(feeds)
        if named is None:  # a foreign array, or a feed the interpreter will refuse
            return self._interpret(feeds)
        key = tuple(sorted((name, _signature(value)) for name, value in named.items()))
        key += tuple((name, _signature(self._params[name])) for name, kind in self._leaves.items() if kind == "param" and name not in named)
        spec = self._specs.get(key)
        if spec is None:
            with paused_gc(len(self._leaves) + self._gates):
                spec = self._specs[key] = self._specialise(named)
        if spec.mode == "math":  # its code takes fed scalars as Python floats
            named = {name: float(value) if type(value) is np.float64 else value for name, value in named.items()}
        try:
            result = spec.run(named, self._params)
        except GateflowError:
            raise
        except Exception as exc:
            return self._interpret_after(exc, feeds)
        if result is None:
            return self._interpret(feeds)
        self._last, self._function = spec, spec.function
        return result

    def _named(self, feeds: dict[Any, Any]) -> dict[str, Any] | None:
        """The feeds the outputs need, by name, as numpy values; None if one is not a
        numpy value or something is wrong (the interpreter then gives the verdict)."""
        graph, named = self.graph, {}
        for key, value in feeds.items():
            if isinstance(key, Node):
                if key.graph is not graph:
                    return None
                key = key.name
            if type(key) is not str or key not in graph.nx:
                return None
            kind = self._leaves.get(key)
            if kind is None:
                if graph.nx.nodes[key]["kind"] not in ("input", "param"):
                    return None
                continue  # an input these outputs do not need
            try:
                value = _numpy_value(value)
            except (TypeError, ValueError):
                return None
            if value is None:
                return None
            named[key] = value
        if any(kind == "input" and name not in named for name, kind in self._leaves.items()):
            return None
        return named

    def _interpret(self, feeds: dict[Any, Any]) -> tuple[StepResult, StepResult]:
        """The same results from the interpreter (which also raises its own errors)."""
        run = self.graph.forward(feeds, outputs=self.outputs + self.wrt)
        values = tuple(run[name] for name in self.outputs)
        grads: tuple = ()
        if self.wrt:
            gradients = run.backward(self.outputs[0], wrt=self.wrt, seed=self.seed)
            grads = tuple(gradients[name] for name in self.wrt)
        return self._results[0](values), self._results[1](grads)

    def _interpret_after(self, exc: Exception, feeds: dict[Any, Any]) -> tuple[StepResult, StepResult]:
        """The interpreter's verdict on feeds the generated code failed on: its error, or
        (which would be a bug in the code generator) its results, with a warning."""
        results = self._interpret(feeds)
        warnings.warn(
            f"the compiled step of {self.outputs[0]!r} raised {type(exc).__name__}: {exc}; "
            "the interpreter computed this call instead.", CompileWarning, stacklevel=3,
        )
        return results

    def _notice(self) -> None:
        if not self._noticed:
            self._noticed = True
            why = (
                "a plugin observes gates" if self._observed
                else f"the graph has more than max_gates={self.max_gates:,} gates"
            )
            warnings.warn(f"compiled step of {self.outputs[0]!r} runs on the interpreter: {why}.", CompileWarning, stacklevel=3)

    # -- specialising -------------------------------------------------------------------

    def _specialise(self, named: dict[str, Any]) -> Specialisation:
        graph = self.graph
        forward = graph.forward(named, outputs=self.outputs[:1])
        copy, grad_names = self._copy_with_grads(forward)
        run = copy.forward(named, outputs=self.outputs + tuple(grad_names))
        program = Program.from_plan(run.plan, [value for _, value in run.items()], list(self.outputs), grad_names, frozenset(named))
        plan_buffers(pair_losses(simplify(program)))
        mode = "math" if codegen.math_ready(program) else "numpy"
        title = f"{', '.join(self.outputs)}" + (f" and d {self.outputs[0]} / d {', '.join(self.wrt)}" if self.wrt else "")
        source, namespace = codegen.generate(program, mode, title, self._results)
        return Specialisation(program, mode, codegen.load(source, namespace), source, self._results)

    def _copy_with_grads(self, forward: Any) -> tuple[Graph, list[str]]:
        """A private copy of the graph, its loss chains fused, holding the gradient nodes."""
        output = forward[self.outputs[0]]
        shape = np.shape(output)
        if self.seed is not None:  # run.backward's seed rule
            if getattr(self.seed, "shape", ()) != shape:
                raise ShapeError(
                    f"the seed gradient for {self.outputs[0]!r} has shape {self.seed.shape}, "
                    f"but the output has shape {shape}; pass a seed of the output's shape."
                )
            key, seed = "seed", self.seed
        elif type(output) is np.float64 or type(output) is float:
            key, seed = "scalar", np.float64(1.0)
        else:
            ones = np.ones_like(output)
            key, seed = ("ones", shape, output.dtype), ones[()] if isinstance(output, np.generic) else ones
        chains = find_losses(self.graph, forward, keep=self.outputs + self.wrt)
        key = (key, chains)
        found = self._copies.get(key)
        if found is None:
            copy = self.graph.copy()
            fuse_losses(copy, chains)
            names: list[str] = []
            if self.wrt:
                nodes = grad(copy[self.outputs[0]], [copy[w] for w in self.wrt], seed=copy.const(seed))
                names = [n.name for n in nodes]
            found = self._copies[key] = (copy, names)
        return found

    @property
    def source(self) -> str:
        """The generated code of the latest specialisation (a step needing inputs must
        have been called once: the code depends on the shapes of the values)."""
        if self._last is None:
            if any(kind == "input" for kind in self._leaves.values()):
                raise GateflowError(
                    "this step has not run yet, and its code depends on the shapes of its "
                    "inputs: call step(feeds) once, then read step.source."
                )
            self({})
        if self._last is None:
            raise GateflowError("this step runs on the interpreter (see the warning it gave); it has no generated code.")
        return self._last.source

    @property
    def specializations(self) -> int:
        """How many specialisations (shapes and dtypes of the values) have been generated."""
        return len(self._specs)

    def __repr__(self) -> str:
        return f"<compiled step of {', '.join(self.outputs)}{' wrt ' + ', '.join(self.wrt) if self.wrt else ''}>"
