"""The exception hierarchy: every error gateflow raises is a `GateflowError`.

Messages say what was wrong, where (node, gate, plugin, file) and how to fix it.
"""

from __future__ import annotations


class GateflowError(Exception):
    """Root of every error gateflow raises."""


class GraphError(GateflowError):
    """A graph was built or used in a way its structure does not allow."""


class CycleError(GraphError):
    """The graph contains a cycle; `cycle` lists the node names along it."""

    def __init__(self, message: str, cycle: list[str]):
        super().__init__(message)
        self.cycle = cycle


class ArityError(GraphError):
    """A gate was given a different number of inputs than it takes."""


class DuplicateNameError(GraphError):
    """A node name is already taken in this graph."""


class UnknownNodeError(GraphError, KeyError):
    """A node name or handle that this graph, run or gradient map does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class FeedError(GateflowError):
    """The values fed to `Graph.forward` do not match the graph's inputs."""


class GateParameterError(GateflowError, ValueError):
    """A gate was built with an invalid parameter (an axis out of range, a non-finite exponent...)."""


class ShapeError(GateflowError):
    """A gate could not combine its inputs' shapes (or a value has the wrong shape)."""


class GateContractError(GateflowError):
    """A gate broke the gate contract, e.g. its backward returned the wrong gradients."""


class UnknownGateError(GateflowError, KeyError):
    """No registered gate has this name."""

    def __str__(self) -> str:
        return str(self.args[0])


class PluginError(GateflowError):
    """A plugin failed to load or registered something invalid."""


class GradientCheckError(GateflowError):
    """Analytic and numerical gradients disagree; `report` holds the details."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class FileFormatError(GateflowError):
    """A graph file is malformed, truncated or of an unknown version."""


class TrainingError(GateflowError):
    """Training was set up or fed in a way it cannot use."""


class ConfigError(TrainingError, ValueError):
    """A training setting is invalid: a learning rate, batch size, epoch count, patience..."""


class DataError(TrainingError, ValueError):
    """Training data do not fit the model: labels out of range, mismatched row counts..."""


class AnomalyError(GateflowError):
    """A gate produced NaN or infinity (raised by the anomaly detector when it is on).

    `node` and `gate` name where, `phase` is "forward" or "backward", and `argument` is the
    input (or input gradient) position that went bad, or None for a forward output.
    """

    def __init__(self, message: str, node: str, gate: str, phase: str, argument: int | None):
        super().__init__(message)
        self.node, self.gate, self.phase, self.argument = node, gate, phase, argument


class RenderError(GateflowError):
    """A graph could not be drawn: no Graphviz renderer was found, or it failed."""


class NotDifferentiableError(GateflowError):
    """A derivative was asked through a node whose gate cannot give it as gates (e.g. a
    plugin gate that only has a numpy backward, differentiated a second time)."""


class CompileWarning(UserWarning):
    """A compiled step runs (or ran one call) on the interpreter instead of generated code."""
