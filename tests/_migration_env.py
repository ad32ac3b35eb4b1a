"""Loads `include_object` from migrations/env.py without running the migration environment."""

import ast
from pathlib import Path

_source = (Path(__file__).resolve().parent.parent / "migrations" / "env.py").read_text()
_tree = ast.parse(_source)
_wanted = [
    node
    for node in _tree.body
    if (
        isinstance(node, ast.Assign)
        and any(getattr(t, "id", "").startswith("HAND_MADE_") for t in node.targets)
    )
    or (isinstance(node, ast.FunctionDef) and node.name == "include_object")
]
exec(compile(ast.Module(body=_wanted, type_ignores=[]), "migrations/env.py", "exec"))
