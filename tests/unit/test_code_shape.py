"""The shape of the code, measured so it cannot rot (DESIGN.md practices 10 and 12):

- no private name (a leading underscore) of a third-party library is used in `pharmacy/`,
  `schema/` or `labels/`: not a private module, not a private attribute;
- no module there is over 500 lines, no function over 80 (migrations are exempt).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pharmacy", "schema", "labels")
THIRD_PARTY = (
    "psycopg",
    "sqlalchemy",
    "marshmallow",
    "flask",
    "werkzeug",
    "webargs",
    "flask_smorest",
    "flask_login",
    "flask_wtf",
    "reportlab",
    "barcode",
    "alembic",
)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Where `source` reaches into a third-party library's private names: an import of a
    private module or name, or an attribute with a leading underscore on anything bound to
    one of those libraries (a module, or a name imported from one)."""
    tree = ast.parse(source)
    bound: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in THIRD_PARTY:
                    bound.add((alias.asname or alias.name).split(".")[0])
                    if any(_is_private(p) for p in parts):
                        found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] not in THIRD_PARTY:
                continue
            if any(_is_private(p) for p in parts):
                found.append(f"line {node.lineno}: from {node.module}")
            for alias in node.names:
                bound.add(alias.asname or alias.name)
                if _is_private(alias.name):
                    found.append(f"line {node.lineno}: {node.module}.{alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                found.append(f"line {node.lineno}: {base.id}….{node.attr}")
    return found


def test_the_scan_finds_what_it_looks_for() -> None:
    """The scan itself catches each kind of private use, and passes public ones."""
    assert private_uses("from psycopg import _psycopg\n")
    assert private_uses("from sqlalchemy.engine._row import X\n")
    assert private_uses("import marshmallow.fields\nmarshmallow.fields._x\n")
    assert private_uses("from marshmallow import Schema\nSchema._declared_fields\n")
    assert private_uses("import psycopg._encodings as e\n")
    assert not private_uses("from sqlalchemy import select\nselect.__doc__\n")
    assert not private_uses("from pharmacy.models import _types\n_types._x\n")


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_of_third_party_libraries(path: Path) -> None:
    assert private_uses(path.read_text(encoding="utf-8")) == []


def test_modules_and_functions_stay_small() -> None:
    too_big = []
    too_long = []
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{name} ({lines} lines)")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.name} ({length} lines)")
    assert too_big == [], f"modules over {MAX_MODULE_LINES} lines"
    assert too_long == [], f"functions over {MAX_FUNCTION_LINES} lines"
