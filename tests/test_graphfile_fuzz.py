"""Fuzzing the graph-file loader: a mutated file either loads into a graph that runs or is
refused with a GateflowError — never another exception, never a hang.

The long campaign (100,000 documents) is tests/fuzz/graphfile_campaign.py.
"""

import json
from datetime import timedelta

import pytest
from graphfile_mutations import check, mutate, mutate_feeds, seeds
from hypothesis import given, settings
from hypothesis import strategies as st

import gateflow as gf
from gateflow.files.graphfile import from_document

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # hostile values overflow
SEEDS = seeds()
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "graph.json"


@pytest.mark.parametrize("which", range(len(SEEDS)))
def test_the_seed_documents_load_and_run(which, path):
    document, feeds = SEEDS[which]
    path.write_text(json.dumps(document))
    assert check(path, feeds) == "ran"


@settings(max_examples=120, deadline=timedelta(seconds=10))
@given(rng=st.randoms(use_true_random=False), which=st.sampled_from(range(len(SEEDS))))
def test_a_mutated_graph_file_loads_and_runs_or_is_refused_with_a_gateflow_error(rng, which, path):
    document, feeds = SEEDS[which]
    path.write_bytes(mutate(document, rng))
    check(path, mutate_feeds(feeds, rng))  # asserts that any GateflowError says where; other exceptions fail


@settings(max_examples=30, deadline=timedelta(seconds=10))
@given(nodes=st.lists(st.dictionaries(st.sampled_from(["name", "kind", "gate", "inputs", "params", "value"]), JSON), max_size=4))
def test_any_json_document_builds_a_graph_or_raises_a_gateflow_error(nodes):
    try:
        graph = from_document({"format": "gateflow.engine.graph", "version": 1, "nodes": nodes})
    except gf.GateflowError as exc:
        assert "the document" in str(exc)
        return
    assert len(graph) == len(nodes)
