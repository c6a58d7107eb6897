"""The plugin manager and the registries it fills: gates by name, exporters by name.

Discovery follows the pluggy convention: the built-in modules are registered first, then
every module of the ``gateflow`` entry-point group. ``GATEFLOW_LOAD_PLUGINS`` (a comma
separated list of entry-point names, or empty for none) limits which entry points load.
"""

from __future__ import annotations

import difflib
import inspect
import os
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import pluggy

from gateflow import hookspecs
from gateflow.errors import PluginError, UnknownGateError
from gateflow.gates.base import Gate

BUILTIN_MODULES = ("gateflow.gates", "gateflow.files.graphfile", "gateflow.cli.commands", "gateflow.cli.train")


@dataclass(frozen=True)
class GateEntry:
    """A registered gate class and the plugin that provided it."""

    gate_class: type[Gate]
    plugin: str


@dataclass(frozen=True)
class ExporterEntry:
    """A registered exporter, the file suffixes it writes and the plugin that provided it."""

    name: str
    export: Callable[..., Any]
    suffixes: tuple[str, ...]
    build: Callable[..., Any] | None
    plugin: str


class Registry:
    """What the plugins registered, collected once from the plugin manager."""

    def __init__(self, manager: pluggy.PluginManager):
        self.manager = manager
        self.gates: dict[str, GateEntry] = {}
        self.exporters: dict[str, ExporterEntry] = {}
        for impl in manager.hook.register_gates.get_hookimpls():
            impl.function(register=lambda cls, plugin=impl.plugin_name: self._add_gate(cls, plugin))
        for impl in manager.hook.register_exporters.get_hookimpls():
            impl.function(register=partial(self._add_exporter, plugin=impl.plugin_name))

    def _add_gate(self, gate_class: Any, plugin: str) -> None:
        check_gate_class(gate_class, plugin)
        name = gate_class.name
        if name in self.gates:
            other = self.gates[name]
            raise PluginError(
                f"plugin {plugin!r} registers gate {name!r} ({gate_class.__name__}), but plugin "
                f"{other.plugin!r} already registered that name ({other.gate_class.__name__}). "
                "Give one of the gates another `name`."
            )
        self.gates[name] = GateEntry(gate_class, plugin)

    def _add_exporter(
        self,
        name: str,
        export: Callable[..., Any],
        suffixes: tuple[str, ...] = (),
        build: Callable[..., Any] | None = None,
        *,
        plugin: str,
    ) -> None:
        if not isinstance(name, str) or not callable(export) or not (build is None or callable(build)):
            raise PluginError(
                f"plugin {plugin!r} called register(name, export, suffixes, build) with {name!r}, "
                f"{export!r}, {suffixes!r}, {build!r}: the name must be a string and export "
                "(and build, if given) callable."
            )
        if name in self.exporters:
            raise PluginError(
                f"plugin {plugin!r} registers exporter {name!r}, already registered by "
                f"plugin {self.exporters[name].plugin!r}."
            )
        suffixes = tuple(s.lower() for s in suffixes)
        for suffix in suffixes:
            other = self.exporter_for_suffix(suffix)
            if other is not None:
                raise PluginError(
                    f"plugin {plugin!r} registers exporter {name!r} for {suffix!r} files, which "
                    f"exporter {other.name!r} of plugin {other.plugin!r} already writes."
                )
        self.exporters[name] = ExporterEntry(name, export, suffixes, build, plugin)

    def exporter_for_suffix(self, suffix: str) -> ExporterEntry | None:
        """The exporter that writes files ending in `suffix` (e.g. ".svg"), if any."""
        suffix = suffix.lower()
        return next((e for e in self.exporters.values() if suffix in e.suffixes), None)

    def distribution(self, plugin: str) -> str | None:
        """The installed package (distribution) a plugin was loaded from, if known."""
        for module, dist in self.manager.list_plugin_distinfo():
            if self.manager.get_name(module) == plugin:
                return dist.metadata["name"]
        return None

    def gate_class(self, name: str) -> type[Gate]:
        """The gate class registered under `name`, or an `UnknownGateError` with suggestions."""
        try:
            return self.gates[name].gate_class
        except KeyError:
            close = difflib.get_close_matches(name, self.gates, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise UnknownGateError(
                f"no registered gate is named {name!r}.{hint} Run `gateflow gates` to list "
                "them all, or install the plugin that provides it."
            ) from None

    def observers(self) -> tuple[Any, Any]:
        """What a plan observes, as `Plan` takes it: (forward, backward), each None when no
        plugin observes that pass, else a (start, end) pair of hook callers (or None)."""
        hook = self.manager.hook

        def implemented(caller: Any) -> Any:
            return caller if caller.get_hookimpls() else None

        def pair(start: Any, end: Any) -> tuple[Any, Any] | None:
            both = (implemented(start), implemented(end))
            return None if both == (None, None) else both

        return (
            pair(hook.gate_forward_start, hook.gate_forward),
            pair(hook.gate_backward_start, hook.gate_backward),
        )


def _positional_count(function: Callable[..., Any]) -> int | None:
    """How many positional parameters `function` takes after self (None: any number)."""
    params = list(inspect.signature(function).parameters.values())[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def check_gate_class(gate_class: Any, plugin: str) -> None:
    """Refuse a class that breaks the gate contract, naming the plugin and the gate."""
    where = f"plugin {plugin!r} registered {getattr(gate_class, '__name__', gate_class)!r}"
    if not (isinstance(gate_class, type) and issubclass(gate_class, Gate)):
        raise PluginError(f"{where}, which is not a subclass of gateflow.Gate.")
    name, arity = gate_class.name, gate_class.arity
    if not isinstance(name, str) or not name.isidentifier():
        raise PluginError(f"{where} with name {name!r}: a gate needs a `name` that is an identifier.")
    if not isinstance(arity, int) or isinstance(arity, bool) or arity < 1:
        raise PluginError(f"{where} (gate {name!r}) with arity {arity!r}: use a positive int.")
    for method, expected in (("forward", arity), ("backward", arity + 2)):
        if getattr(gate_class, method) is getattr(Gate, method):
            raise PluginError(f"{where} (gate {name!r}), which does not implement {method}().")
        count = _positional_count(getattr(gate_class, method))
        if count is not None and count != expected:
            raise PluginError(
                f"{where} (gate {name!r}): {method}() takes {count} arguments but arity "
                f"{arity} needs {expected} ({'inputs' if method == 'forward' else 'grad, out, inputs'})."
            )


def _allowed_entry_points() -> list[str] | None:
    """Entry-point names GATEFLOW_LOAD_PLUGINS allows (None: all of them)."""
    setting = os.environ.get("GATEFLOW_LOAD_PLUGINS")
    if setting is None:
        return None
    return [name.strip() for name in setting.split(",") if name.strip()]


def make_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with the hook specs, the built-ins, then the allowed entry points."""
    import importlib

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for module_name in BUILTIN_MODULES:
        manager.register(importlib.import_module(module_name), name=module_name)
    allowed = _allowed_entry_points()
    try:
        if allowed is None:
            manager.load_setuptools_entrypoints(hookspecs.PROJECT)
        for name in allowed or ():
            manager.load_setuptools_entrypoints(hookspecs.PROJECT, name=name)
    except Exception as exc:
        raise PluginError(f"a gateflow plugin failed to load: {exc!r}") from exc
    manager.hook.configure(manager=manager)
    return manager


_registry: Registry | None = None
generation = 0  # bumped whenever the registry is rebuilt; compiled plans depend on it


def registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        _registry = Registry(make_plugin_manager())
    return _registry


def reload() -> Registry:
    """Rebuild the registry from scratch (after installing a plugin or changing the env)."""
    global _registry, generation
    _registry = None
    generation += 1
    return registry()


def register_plugin(plugin: object, name: str) -> None:
    """Register a plugin module or object at run time, as plugin `name`.

    It takes effect at once, exactly as if an entry point had loaded it: its gates and
    exporters are registered (and checked), and its observation hooks are called by the
    plans compiled from now on (graphs recompile on their next run).
    """
    global _registry, generation
    manager = registry().manager
    if manager.get_plugin(name) is not None:
        raise PluginError(f"a plugin named {name!r} is already registered; unregister it first.")
    manager.register(plugin, name=name)
    try:
        _registry = Registry(manager)
    except PluginError:
        manager.unregister(name=name)
        _registry = Registry(manager)
        raise
    generation += 1


def unregister_plugin(name: str) -> None:
    """Remove the plugin registered as `name` (a no-op if there is none)."""
    global _registry, generation
    manager = registry().manager
    if manager.get_plugin(name) is not None:
        manager.unregister(name=name)
        _registry = Registry(manager)
        generation += 1
