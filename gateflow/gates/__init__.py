"""The built-in gates. They reach the registry through the `register_gates` hook, exactly
like a third-party plugin's gates."""

from gateflow.gates.arithmetic import (
    AddGate,
    DivideGate,
    MultiplyGate,
    NegateGate,
    PowerGate,
    PowGate,
    ReciprocalGate,
    SubtractGate,
)
from gateflow.gates.elementwise import (
    AbsGate,
    ExpGate,
    LogGate,
    MaxGate,
    MinGate,
    ReLUGate,
    SigmoidGate,
    TanhGate,
)
from gateflow.gates.losses import (
    BinaryCrossEntropyGate,
    HingeMaskGate,
    L2PenaltyGate,
    MSELossGate,
    MulticlassHingeGate,
    OneHotGate,
    SoftmaxCrossEntropyGate,
)
from gateflow.gates.masks import EqualGate, GreaterGate, SeedGate, SignGate, SizeGate, ZerosLikeGate
from gateflow.gates.shaping import BroadcastToGate, ExpandDimsGate, ReshapeLikeGate, SumToGate
from gateflow.gates.tensor import (
    MatMulGate,
    MatMulGradGate,
    MeanGate,
    ReshapeGate,
    SoftmaxGate,
    SumGate,
    TransposeGate,
)
from gateflow.gates.wrapped import NumpyBackwardGate
from gateflow.hookspecs import hookimpl

BUILTIN_GATES = (
    AddGate,
    SubtractGate,
    MultiplyGate,
    DivideGate,
    NegateGate,
    ReciprocalGate,
    PowerGate,
    PowGate,
    ExpGate,
    LogGate,
    TanhGate,
    SigmoidGate,
    ReLUGate,
    AbsGate,
    MaxGate,
    MinGate,
    MatMulGate,
    SumGate,
    MeanGate,
    ReshapeGate,
    TransposeGate,
    MSELossGate,
    SoftmaxCrossEntropyGate,
    MulticlassHingeGate,
    BinaryCrossEntropyGate,
    L2PenaltyGate,
    # the backward circuit's own gates (gf.grad)
    SoftmaxGate,
    MatMulGradGate,
    SumToGate,
    BroadcastToGate,
    ExpandDimsGate,
    ReshapeLikeGate,
    GreaterGate,
    EqualGate,
    SignGate,
    SizeGate,
    ZerosLikeGate,
    SeedGate,
    OneHotGate,
    HingeMaskGate,
    NumpyBackwardGate,
)

__all__ = [cls.__name__ for cls in BUILTIN_GATES] + ["BUILTIN_GATES"]


@hookimpl
def register_gates(register):
    for gate_class in BUILTIN_GATES:
        register(gate_class)
