"""gateflow: computations as dataflow graphs of gates, each knowing its local gradient.

    import gateflow as gf
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    f = (x + y) * z
    run = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
    grads = run.backward(f)          # grads[x] == -4.0
"""

from gateflow.errors import (
    AnomalyError,
    ArityError,
    CompileWarning,
    ConfigError,
    CycleError,
    DataError,
    DuplicateNameError,
    FeedError,
    FileFormatError,
    GateContractError,
    GateParameterError,
    GateflowError,
    GradientCheckError,
    GraphError,
    NotDifferentiableError,
    PluginError,
    RenderError,
    ShapeError,
    TrainingError,
    UnknownGateError,
    UnknownNodeError,
)
from gateflow.learn.explain import explain
from gateflow.learn.page import ExplainPage, explain_html
from gateflow.files.export import render, to_dot
from gateflow.gates.base import Gate
from gateflow.gates import *  # noqa: F403 - the built-in gate classes
from gateflow.engine.gradcheck import GradcheckReport, gradcheck
from gateflow.engine.graph import Graph, Node
from gateflow.engine.grad import grad
from gateflow.engine.compile import compile
from gateflow.engine.hessian import hessian, hvp
from gateflow.engine.lazy import compute
from gateflow.engine.symbolic import to_sympy
from gateflow.files.graphfile import load, save
from gateflow.hookspecs import hookimpl, hookspec
from gateflow.training.initializers import he_normal, he_uniform, xavier_normal, xavier_uniform
from gateflow.training.losses import binary_cross_entropy, l2, mse, multiclass_hinge, softmax_cross_entropy
from gateflow.training.layers import MLP, Dense, dense, mlp
from gateflow.engine.ops import (
    abs,
    apply,
    exp,
    log,
    matmul,
    maximum,
    mean,
    minimum,
    power,
    relu,
    reshape,
    sigmoid,
    softmax,
    sum,
    tanh,
    transpose,
)
from gateflow.training.optimizers import SGD, Adam, Optimizer, make_optimizer
from gateflow.registry import register_plugin, unregister_plugin
from gateflow.engine.run import Gradients, Run
from gateflow.training.fit import History, evaluate, fit, predict

__version__ = "0.1.0"
