"""The engine: the graph, its compiled plan and scheduler, runs, gradient checking."""
