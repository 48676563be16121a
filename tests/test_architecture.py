"""The package's shape: layers that only import downwards, no import cycles, sizes a reader can hold.

Imports inside functions count: hiding an upward import in a function body is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "feedback_classifier"

# Lower layers never import higher ones; packages on the same layer do not import each other.
LAYERS = {
    "errors": 0,
    "_lazy": 0,
    "_arrays": 0,
    "_paths": 0,
    "lang": 1,
    "tableio": 1,
    "taxonomy": 2,
    "model": 3,
    "insights": 4,
    "render": 5,
    "jobs": 6,
    "cli": 7,
    "__main__": 8,
}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Project modules that ``path`` imports, anywhere in the file."""
    found = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in modules and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_layers_only_import_downwards():
    wrong = []
    for module, targets in _graph().items():
        source = _package(module)
        if source not in LAYERS:
            continue
        for target in targets:
            dest = _package(target)
            if dest == source or dest == "" or dest not in LAYERS:
                continue
            if LAYERS[dest] >= LAYERS[source]:
                wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_every_module_is_in_a_layer():
    assert {_package(m) for m in _modules()} - set(LAYERS) <= {""}


def test_import_graph_is_acyclic():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_modules_and_functions_are_sizes_a_reader_can_hold():
    too_long = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"module {name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"function {name}.{node.name}: {length} lines")
    assert not too_long, "too long to hold in one reading:\n" + "\n".join(sorted(too_long))
