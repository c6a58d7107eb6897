"""Run every benchmark and print its figures (not part of the test suite: timing is noisy)."""

import bench_chain
import bench_compile
import bench_grad
import bench_import
import bench_mlp
import bench_neuron

if __name__ == "__main__":
    bench_neuron.main()
    bench_mlp.main()
    bench_chain.main()
    bench_compile.main()
    bench_grad.main()
    bench_import.main()
