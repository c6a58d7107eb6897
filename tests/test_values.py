"""Feeds: anything that is not numbers is a FeedError naming the input; numbers pass,
float32 stays float32 and arrays of other libraries pass through unchanged."""

import fractions

import numpy as np
import pytest

import gateflow as gf
from gateflow.engine.values import checked_value
from gateflow.errors import FeedError


class Opaque:
    pass


NOT_NUMBERS = {
    "None": (None, "None"),
    "str": ("1.5", "a str"),
    "bytes": (b"1", "a bytes"),
    "dict": ({"a": 1.0}, "a dict"),
    "set": ({1.0}, "a set"),
    "object": (Opaque(), "a test_values Opaque"),
    "ragged list": ([[1.0, 2.0], [3.0]], "a list that numpy cannot read as one array"),
    "list with None": ([1.0, None], "dtype object"),
    "list of str": (["1", "2"], "dtype <U1"),
    "object array": (np.array([1.0, None]), "an array of dtype object"),
    "complex": (np.array([1j]), "an array of dtype complex128"),
    "huge int": (10**400, "too large for a float64"),
    "datetime": (np.array(["2026-01-01"], dtype="datetime64[D]"), "dtype datetime64"),
}


@pytest.mark.parametrize("case", NOT_NUMBERS, ids=list(NOT_NUMBERS))
def test_a_feed_that_is_not_numbers_is_a_feed_error_naming_the_input(case):
    value, reason = NOT_NUMBERS[case]
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = x * y
    with pytest.raises(FeedError, match=f"fed for 'x' must be a number or an array of numbers, not .*{reason}"):
        g.forward({"x": value, "y": 2.0})
    with pytest.raises(FeedError, match="fed for 'x'"):
        g.forward({x: value, "y": 2.0})
    assert g.forward({"x": 3.0, "y": 2.0})[f] == 6.0


def test_a_node_handle_fed_as_a_value_is_refused():
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(FeedError, match="not a gateflow Node"):
        g.forward({"x": x})


def test_a_parameter_fed_none_is_refused_too():
    g = gf.Graph()
    w = g.param("w", 2.0)
    with pytest.raises(FeedError, match="fed for 'w'.*not None"):
        g.forward({"w": None})
    assert g.forward()[w] == 2.0


NUMBERS = [
    (True, np.float64(1.0)),
    (3, np.float64(3.0)),
    (fractions.Fraction(1, 2), np.float64(0.5)),
    (np.int8(3), np.float64(3.0)),
    ([1, 2], np.array([1.0, 2.0])),
    ((1.5,), np.array([1.5])),
    (np.array([True, False]), np.array([1.0, 0.0])),
    (np.arange(3, dtype=np.uint16), np.array([0.0, 1.0, 2.0])),
]


@pytest.mark.parametrize("value, expected", NUMBERS, ids=[repr(v) for v, _ in NUMBERS])
def test_numbers_become_float64_values(value, expected):
    result = checked_value(value)
    assert result.dtype == np.float64 and np.shape(result) == np.shape(expected)
    np.testing.assert_array_equal(result, expected)


def test_float_arrays_pass_without_a_copy_and_keep_their_precision():
    for dtype in (np.float16, np.float32, np.float64):
        array = np.ones(3, dtype=dtype)
        assert checked_value(array) is array
        scalar = dtype(1.5)
        assert checked_value(scalar) is scalar


def test_a_dask_array_passes_through_unchanged_and_a_non_numeric_one_is_refused():
    da = pytest.importorskip("dask.array")
    lazy = da.ones((4,), chunks=2, dtype=np.float32)
    assert checked_value(lazy) is lazy
    with pytest.raises(TypeError, match="a dask Array of dtype <U1"):
        checked_value(da.from_array(np.array(["a", "b"]), chunks=1))


@pytest.mark.parametrize("feeds", [[1.0], "x", 3.0, [("x", 1.0)]])
def test_feeds_that_are_not_a_mapping_are_a_feed_error(feeds):
    g = gf.Graph()
    g.input("x")
    with pytest.raises(FeedError, match="feeds must be a dict from inputs"):
        g.forward(feeds)
