"""Coverage-guided fuzzing of the graph-file loader with atheris (libFuzzer for Python).

The same property as graphfile_campaign.py, on bytes that atheris evolves from the seed
documents towards new code paths: a file loads, saves, reloads and runs, or is refused
with a `GateflowError` that says where; anything else is a crash that atheris reports
and saves as crash-<hash>. Needs `pip install atheris` (not part of the test extra):

    .venv/bin/python tests/fuzz/graphfile_atheris.py -dict=tests/fuzz/graphfile.dict \
        -max_total_time=600 -timeout=10 CORPUS_DIR
"""

import json
import sys
import tempfile
import warnings
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
with atheris.instrument_imports(include=["gateflow"]):
    from graphfile_mutations import check, seeds

SEEDS = seeds()
FEEDS = {name: value for _, feeds in SEEDS for name, value in feeds.items()}
PATH = Path(tempfile.mkdtemp(prefix="gateflow-atheris-")) / "graph.json"


def one_input(data: bytes) -> None:
    PATH.write_bytes(data)
    check(PATH, FEEDS)


def main() -> None:
    corpus = next((Path(a) for a in sys.argv[1:] if not a.startswith("-")), None)
    if corpus is not None and not any(corpus.glob("*")):  # start from the seed documents
        corpus.mkdir(parents=True, exist_ok=True)
        for i, (document, _) in enumerate(SEEDS):
            (corpus / f"seed-{i}.json").write_text(json.dumps(document))
    warnings.simplefilter("ignore")  # numpy's overflow warnings on hostile values
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
