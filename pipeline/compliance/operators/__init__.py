"""Condition operators: one module each, found here at import (``pkgutil``).

A module of this package other than ``base`` defines one operator: its spec, its node and its
compile function, tied together by a module-level ``OPERATOR = Operator(...)``. Adding an
operator is adding a module; ``schema.ConditionSpec`` gains its key, ``loader.compile_condition``
compiles it and ``callsentry rules operators`` lists it.
"""

from __future__ import annotations

import importlib
import pkgutil

from pipeline.compliance.operators.base import Build, CompileError, Kind, Node, Operator, Spec

_NOT_OPERATORS = frozenset({"base"})


def _discover() -> dict[str, Operator]:
    """Every module's ``OPERATOR`` by key, by kind then key; duplicate keys are errors."""
    found: dict[str, Operator] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_OPERATORS:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        operator = getattr(module, "OPERATOR", None)
        if not isinstance(operator, Operator):
            raise TypeError(f"{module.__name__}: an operator module needs OPERATOR = Operator()")
        if operator.key in found:
            raise ValueError(f"{module.__name__}: operator {operator.key!r} registered twice")
        found[operator.key] = operator
    return {op.key: op for op in sorted(found.values(), key=lambda op: (op.kind.value, op.key))}


OPERATORS: dict[str, Operator] = _discover()

__all__ = ["OPERATORS", "Build", "CompileError", "Kind", "Node", "Operator", "Spec"]
