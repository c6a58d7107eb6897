"""The long fuzz campaign of the graph-file loader (kept out of the test suite).

Mutates the seed documents of tests/graphfile_mutations.py, loads each result and runs
what loads; every exception other than a `GateflowError` that says where, and every
document slower than --timeout seconds, is a bug. Distinct bugs (by exception type and
the innermost gateflow line) are reported with a reproducer file saved under --out.

    .venv/bin/python tests/fuzz/graphfile_campaign.py --documents 100000 --seed 0
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from graphfile_mutations import check, mutate, mutate_feeds, seeds  # noqa: E402


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def where(exc: BaseException) -> str:
    """The innermost line of gateflow (or of the mutation helpers) the exception passed."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "gateflow" in f.filename or "graphfile_" in f.filename]
    frame = (frames or traceback.extract_tb(exc.__traceback__))[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0, help="document i is made by random.Random(seed + i)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one document may take")
    parser.add_argument("--out", type=Path, default=None, help="folder for reproducers (default: a temporary one)")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="gateflow-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "current.json"
    documents = seeds()
    outcomes: collections.Counter[str] = collections.Counter()
    bugs: dict[str, tuple[int, str, int]] = {}  # where -> (count, message, first document)
    slowest = (0.0, -1)
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")  # numpy's overflow warnings on hostile values
    start = time.perf_counter()
    for i in range(args.documents):
        rng = random.Random(args.seed + i)
        document, feeds = rng.choice(documents)
        data, feeds = mutate(document, rng), mutate_feeds(feeds, rng)
        path.write_bytes(data)
        began = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            outcomes[check(path, feeds)] += 1
        except BaseException as exc:  # noqa: BLE001 - everything else is what we look for
            if isinstance(exc, KeyboardInterrupt):
                raise
            key = "hang" if isinstance(exc, Hang) else f"{type(exc).__name__} at {where(exc)}"
            count, message, first = bugs.get(key, (0, str(exc)[:300], i))
            bugs[key] = (count + 1, message, first)
            if count == 0:
                (out / f"bug-{len(bugs)}-document-{i}.json").write_bytes(data)
            outcomes["bug"] += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        slowest = max(slowest, (time.perf_counter() - began, i))
        if (i + 1) % 10_000 == 0:
            print(f"{i + 1} documents, {time.perf_counter() - start:.0f} s, {len(bugs)} distinct bugs", flush=True)
    elapsed = time.perf_counter() - start
    print(f"\n{args.documents} documents (seeds {args.seed}..{args.seed + args.documents - 1}) in {elapsed:.1f} s "
          f"({1e3 * elapsed / max(args.documents, 1):.2f} ms each; slowest {slowest[0]:.2f} s, document {slowest[1]})")
    for name, count in outcomes.most_common():
        print(f"  {count:7d}  {name}")
    print(f"{len(bugs)} distinct bugs" + (f"; reproducers in {out}" if bugs else ""))
    for key, (count, message, first) in sorted(bugs.items(), key=lambda b: -b[1][0]):
        print(f"  {count:7d}  {key} (first: document {first}): {message}")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
