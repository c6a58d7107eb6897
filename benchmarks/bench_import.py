"""Benchmark: how long `import gateflow` and `gateflow --help` take, against importing
gateflow's required dependencies (numpy, networkx, pluggy) alone.

Each measurement is a fresh Python process, timed from start to exit; the three commands
run in turns (reference, import, --help, reference, ...) so that a drift in the machine's
speed affects all of them alike, and each ratio is the median of the per-round ratios.

Run: .venv/bin/python benchmarks/bench_import.py [--rounds N]
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REFERENCE = [sys.executable, "-c", "import numpy, networkx, pluggy"]
IMPORT = [sys.executable, "-c", "import gateflow"]


def help_command() -> list[str]:
    """`gateflow --help` through the installed console script (else `python -m gateflow.cli`)."""
    script = Path(sys.executable).with_name("gateflow")
    return [str(script), "--help"] if script.exists() else [sys.executable, "-m", "gateflow.cli", "--help"]


def seconds(command: list[str]) -> float:
    """Wall-clock seconds of one run of `command`, start to exit."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args(argv)
    commands = {"reference": REFERENCE, "import": IMPORT, "help": help_command()}
    for command in commands.values():  # warm the file cache
        seconds(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            times[name].append(seconds(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {
        name: statistics.median(t / r for t, r in zip(times[name], times["reference"]))
        for name in ("import", "help")
    }
    print(
        f"import numpy, networkx, pluggy: {medians['reference'] * 1e3:.0f} ms · "
        f"import gateflow: {medians['import'] * 1e3:.0f} ms (ratio {ratios['import']:.2f}) · "
        f"gateflow --help: {medians['help'] * 1e3:.0f} ms (ratio {ratios['help']:.2f}); "
        f"medians of {args.rounds} rounds"
    )
    return {"medians_s": medians, "import_ratio": ratios["import"], "help_ratio": ratios["help"]}


if __name__ == "__main__":
    main()
