"""hwgen/frontend and hwgen/reference: no import cycles (function-level imports included), no
hwgen import hidden in a function, dependencies that point downward only."""

import ast
from pathlib import Path

import hwgen

ROOT = Path(hwgen.__file__).parent
#: What hwgen.frontend may import (besides itself).
FRONTEND_MAY_IMPORT = ("hwgen.errors", "hwgen.quant", "hwgen.ir", "hwgen.passes")
#: hwgen.ir.lowering is the bridge to hardware: the frontend asks hwgen.passes instead.
FRONTEND_MUST_NOT_IMPORT = ("hwgen.ir.lowering",)


def _modules() -> dict:
    """Module name -> (path, is a package)."""
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = ("hwgen",) + path.relative_to(ROOT).with_suffix("").parts
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _imports(modules) -> dict:
    """Module -> ``[(imported hwgen module, inside a function)]``."""
    result = {}
    for name, (path, package) in modules.items():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        found = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = name.split(".")[:len(name.split(".")) - (node.level - package)] \
                    if node.level else []
                base = ".".join(base + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            else:
                continue
            inner, nested = node, False
            while inner in parents:
                inner = parents[inner]
                nested |= isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef))
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules:
                    found.append((target, nested))
        result[name] = found
    return result


MODULES = _modules()
IMPORTS = _imports(MODULES)
SCOPE = sorted(m for m in MODULES if m.startswith(("hwgen.frontend", "hwgen.reference")))


def test_no_import_cycles_in_frontend_and_reference():
    graph = {m: {t for t, _ in IMPORTS[m] if t in SCOPE and t != m} for m in SCOPE}
    state, cycles = {}, []

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in SCOPE:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_hwgen_import_inside_a_function():
    nested = [(m, t) for m in SCOPE for t, inside in IMPORTS[m] if inside]
    assert nested == []


def test_the_frontend_depends_only_on_lower_packages():
    upward = [(m, t) for m in SCOPE if m.startswith("hwgen.frontend") for t, _ in IMPORTS[m]
              if not t.startswith(FRONTEND_MAY_IMPORT + ("hwgen.frontend",))
              or t.startswith(FRONTEND_MUST_NOT_IMPORT)]
    assert upward == []


def test_only_tests_examples_and_benchmarks_import_reference():
    users = [m for m in MODULES if not m.startswith("hwgen.reference")
             and any(t.startswith("hwgen.reference") for t, _ in IMPORTS[m])]
    assert users == []
