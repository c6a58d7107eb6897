"""A long differential campaign, outside the suite: compiled steps against the interpreter
on thousands of random graphs of two sizes.

Values and gradients must equal run.backward's, and the interpreter running gf.grad's own
nodes, to 1e-12 relative. The bigger graphs have gradients that cancel to rounding noise
(1e-15 where the exact value is 0), where a one-ulp difference upstream shows: gf.grad's
gates and run.backward round some sums differently, and scalar graphs run on Python
floats, whose exp, tanh and pow (the C library's) and numpy's own differ by an ulp now
and then. There an absolute 1e-14 applies.

Run: .venv/bin/python tests/compile_campaign.py [GRAPHS]
"""

import sys
import warnings

import numpy as np

import gateflow as gf
from test_compile import assert_step_matches_interpreter, random_case
from graph_generator import random_graph


def main(graphs: int = 5000) -> int:
    warnings.simplefilter("error", gf.CompileWarning)
    for seed in range(graphs):
        case, outputs = random_case(seed)
        assert_step_matches_interpreter(case.graph, case.feeds, outputs, case.wrt)
        big = random_graph(seed, size=40)
        wrt = [w for w in big.wrt if w.name in big.graph.plan([big.output]).slot]
        step = assert_step_matches_interpreter(big.graph, big.feeds, [big.output], wrt, atol=1e-14)
        nodes = gf.grad(big.output, wrt)
        run = big.graph.forward(big.feeds, outputs=nodes)
        _, grads = step(big.feeds)
        for node, gradient in zip(wrt, nodes):
            np.testing.assert_allclose(grads[node], run[gradient], rtol=1e-12, atol=1e-14)
    print(f"{2 * graphs} random graphs: compiled == interpreted")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
