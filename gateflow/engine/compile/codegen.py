"""Python source for a `Program`: one assignment per gate, named after the nodes.

The function takes the feeds and the graph's parameter dict, checks that every value has
the type, shape and dtype it was specialised for (returning None, so the caller
specialises again, when one has not), and returns the outputs' values and the gradients.
"""

from __future__ import annotations

import itertools
import linecache
import math
import re
from typing import Any, Callable

import numpy as np

from gateflow.engine.compile.expressions import MATH, NUMPY
from gateflow.engine.compile.names import Names, comment
from gateflow.engine.compile.fusion import HELPERS, fused_call
from gateflow.engine.compile.rewrites import UFUNCS, Program

FLOAT_TYPES = frozenset({float, np.float64})
_BASE_NAMESPACE = {
    "np": np, "math": math, "ndarray": np.ndarray, "float64": np.float64,
    "float_types": FLOAT_TYPES, **{helper.__name__: helper for helper in HELPERS.values()},
}
_counter = itertools.count(1)
_ODD = re.compile(r"[^A-Za-z0-9_]")


def math_ready(p: Program) -> bool:
    """Whether the program can run on Python floats: every value a float64 scalar and
    every gate one with a `math` formula."""
    live = p.lines + p.leaves
    return all(type(p.values[i]) is np.float64 for i in live) and all(type(p.gates[i]) in MATH for i in p.lines)


def generate(p: Program, mode: str, title: str, results: tuple[type, type]) -> tuple[str, dict[str, Any]]:
    """The source of the step function and the namespace it runs in; `results` are the
    classes of the values and the gradients it returns."""
    return _Writer(p, mode, results).write(title)


def load(source: str, namespace: dict[str, Any]) -> Callable:
    """Compile `source` into its function (registered with linecache, for tracebacks)."""
    filename = f"<gateflow step {next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["step"]


def _literal(value: Any) -> str:
    """A finite scalar as a Python literal (negative ones in parentheses), else "".

    The interpreter itself hands float64 constants to gates as Python floats (numpy
    treats those as "weak": float32 stays float32); other scalars are inlined only where
    every value is float64, where the two are the same."""
    if getattr(value, "ndim", 0) != 0 or not math.isfinite(value):
        return ""
    text = repr(float(value))
    return f"({text})" if text.startswith("-") else text


class _Writer:
    def __init__(self, p: Program, mode: str, results: tuple[type, type]):
        self.p, self.mode = p, mode
        self.table = MATH if mode == "math" else NUMPY
        self.namespace = dict(_BASE_NAMESPACE, Values=results[0], Gradients=results[1])
        self.names = Names(set(self.namespace) | {"feeds", "params", "step", "type", "len"})
        self.var: dict[int, str] = {}
        self.const_var: dict[int, str] = {}
        dtypes = {getattr(p.values[i], "dtype", None) for i in p.lines + p.leaves}
        self.inline = mode == "math" or dtypes <= {np.dtype(np.float64)}
        self.gate_var: dict[int, str] = {}
        self.dtype_var: dict[np.dtype, str] = {}
        self.literals: dict[int, str] = {}  # "" for a constant that has to be named

    # -- operands -----------------------------------------------------------------------

    def operand(self, slot: int, literal: bool = True) -> str:
        name = self.var.get(slot)
        if name is not None:
            return name
        value = self.p.values[slot]
        if literal and (self.inline or type(value) is float):
            text = self.literals.get(slot)
            if text is None:
                text = self.literals[slot] = _literal(value)
            if text:
                return text
        name = self.const_var.get(slot)
        if name is None:
            name = self.const_var[slot] = self.names.new(self.label(slot))
            self.namespace[name] = float(value) if self.mode == "math" else value
        return name

    def returned(self, slot: int) -> str:
        """A result: a constant array is copied, so the caller may change what it gets."""
        text = self.operand(slot)
        return f"{text}.copy()" if self.p.consts[slot] and type(self.p.values[slot]) is np.ndarray else text

    def operand_for_call(self, slot: int) -> str:
        return self.operand(slot, literal=False)

    def gate_name(self, gate: Any) -> str:
        name = self.gate_var.get(id(gate))
        if name is None:
            name = self.gate_var[id(gate)] = self.names.new(f"{gate.name}_gate")
            self.namespace[name] = gate
        return name

    # -- the function -------------------------------------------------------------------

    def write(self, title: str) -> tuple[str, dict[str, Any]]:
        p = self.p
        for i in p.leaves + p.lines:
            self.var[i] = self.names.new(self.label(i))
        body = ["def step(feeds, params):", f"    {ascii(title)}"]  # node names only as a literal
        body += self.fetch()
        paired = {i for pair in p.fused.values() for i in pair}
        for i in p.lines:
            if i in p.fused:
                loss, rest = p.fused[i]
                body.append(f"    {self.var[loss]}, {self.var[rest]} = {fused_call(p, loss, self.operand_for_call)}")
            elif i not in paired:
                body.append(f"    {self.var[i]} = {self.expression(i)}" + self.note(i))
        outputs = "".join(self.returned(i) + ", " for i in p.outputs)
        grads = "".join(self.returned(i) + ", " for i in p.grads)
        body.append(f"    return Values(({outputs})), Gradients(({grads}))")
        return "\n".join(body) + "\n", self.namespace

    def label(self, slot: int) -> str:
        """What the identifier of a node is made from: its name, with the gradient nodes
        of the first output as ``d_<node>`` and the backward pass's other terms as ``bw_*``."""
        name = self.p.labels[slot]
        prefix = self.p.grad_prefix
        if self.p.grads and name.startswith(prefix):
            rest = name[len(prefix):]
            return "bw" + rest if rest.startswith("_") else "d_" + rest
        return name

    def note(self, slot: int) -> str:
        """The node's own name, when its identifier had to leave characters out."""
        label = self.label(slot)
        return "" if self.var[slot] == label or not _ODD.search(label) else "  " + comment(self.p.labels[slot])

    def fetch(self) -> list[str]:
        """Read the feeds and parameters, and return None unless each is of the kind,
        shape and dtype specialised for."""
        p, lines = self.p, []
        fed = [i for i in p.leaves if p.names[i] in p.fed]
        unused = sorted(p.fed - {p.names[i] for i in fed})
        if p.fed:
            lines.append("    try:")
            lines += [f"        {self.var[i]} = feeds[{p.names[i]!r}]" for i in fed]
            lines += [f"        feeds[{name!r}]  # fed, though no result needs it" for name in unused]
            lines += ["    except KeyError:", "        return None"]
        params = [i for i in p.leaves if i not in fed]
        lines += [f"    {self.var[i]} = params[{p.names[i]!r}]" for i in params]
        checks, converts = [f"len(feeds) != {len(p.fed)}"], []
        if self.mode == "math":  # every value a float64 scalar: fed as floats, stored as np.float64
            for leaves, kind in ((fed, "float"), (params, "float64")):
                if leaves:
                    chain = "".join(f" is type({self.var[i]})" for i in leaves[1:])
                    checks.append(f"not (type({self.var[leaves[0]]}) is {kind}{chain})")
        else:
            for i in p.leaves:
                check, convert = self.guard(i, i in fed)
                checks.append(check)
                if convert:
                    converts.append(f"    {self.var[i]} = {convert}")
        for check in checks:
            lines += [f"    if {check}:", "        return None"]
        return lines + converts

    def guard(self, slot: int, fed: bool) -> tuple[str, str | None]:
        """The test that a value differs from the specialisation's, and a conversion."""
        name, value = self.var[slot], self.p.values[slot]
        if type(value) is np.ndarray:
            dtype = self.names_for_dtype(value.dtype)
            return f"type({name}) is not ndarray or {name}.shape != {value.shape!r} or {name}.dtype is not {dtype}", None
        if type(value) is np.float64 and fed:
            return f"type({name}) not in float_types", f"float64({name})"
        return f"type({name}) is not np.{type(value).__name__}", None

    def names_for_dtype(self, dtype: np.dtype) -> str:
        name = self.dtype_var.get(dtype)
        if name is None:
            name = self.dtype_var[dtype] = self.names.new(f"{dtype.name}_dtype")
            self.namespace[name] = dtype
        return name

    def expression(self, slot: int) -> str:
        p = self.p
        gate, args = p.gates[slot], p.args[slot]
        formula = self.table.get(type(gate))
        shapes = [getattr(p.values[a], "shape", ()) for a in args]
        if formula is not None:
            buffer = p.buffers.get(slot)
            operands = [self.operand(a) for a in args]
            if buffer is not None and self.mode == "numpy":
                return f"{UFUNCS[type(gate)]}({', '.join(operands)}, out={self.var[buffer]})"
            text = formula(gate, operands, shapes, p.values[slot])
            if text is not None:
                return text
        return f"{self.gate_name(gate)}.forward({', '.join(self.operand(a, literal=False) for a in args)})"
