"""The package layering of hwgen, read from the source: no import cycles, allowed dependencies.

Every import statement counts, module-level and inside functions alike (an import inside a
function is still a dependency; hiding a cycle there does not remove it). ``sim/`` is the
package ``hwgen.sim``. The table below is the written list of what each package may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: package -> hwgen packages it may import (itself always). Read "A: B" as "A builds on B".
ALLOWED = {
    "errors": set(),
    "version": set(),
    "catalog": set(),
    # leaves: model strings into generated text (one escaping function per target language),
    # checks of input files before they are opened, child processes that end with hwgen
    "text": {"errors"},
    "input_files": {"errors", "text"},
    "subprocesses": set(),
    "quant": {"errors"},
    "ir": {"errors", "quant", "catalog"},
    "golden": {"errors", "quant", "ir", "catalog"},
    "perf": {"errors", "ir", "catalog"},
    # passes run the cycle model (FIFO sizing) and the golden model (codes that calibrate a
    # QONNX model's unquantized output)
    "passes": {"errors", "quant", "ir", "perf", "golden", "catalog"},
    "hw": {"errors", "quant", "ir", "catalog"},
    "frontend": {"errors", "quant", "ir", "passes"},
    "backend": {"errors", "version", "quant", "ir", "catalog", "golden", "perf", "passes",
                "hw", "rtl_templates", "text"},
    "compiler": {"errors", "ir", "passes", "frontend", "backend"},
    "sim": {"errors", "ir", "golden", "perf", "backend", "rtl_templates", "text",
            "subprocesses"},
    # synthesis reads a compiled OUT (its manifest and shipped RTL) and runs yowasp tools
    "synth": {"errors", "backend", "text", "subprocesses"},
    "report": {"errors", "backend", "perf", "ir", "synth", "text"},
    "reference": {"errors", "quant", "ir", "catalog", "golden", "perf", "passes", "frontend",
                  "backend", "compiler"},
    # quantization-aware training (torch, Brevitas) checks its exports with the compiler and
    # the golden model
    "qat": {"errors", "compiler", "golden"},
    "api": {"errors", "version", "quant", "ir", "catalog", "golden", "perf", "passes",
            "frontend", "backend", "compiler", "sim", "report", "text", "input_files"},
    # design-space exploration drives the public face (compile, golden) and prices designs
    # with the cost model (hwgen.perf.cost) when it exists; it synthesises its finalists
    "explore": {"errors", "api", "passes", "perf", "backend", "synth"},
    # report.html: the report's data, the loaded design's cycle model and weights, the
    # explore resource estimate per layer, the synthesis result's text (Fmax, seed sweep,
    # critical path) as `hwgen report` words it
    "report_html": {"errors", "api", "report", "text", "explore", "synth"},
    "cli": {"errors", "version", "quant", "ir", "catalog", "golden", "perf", "passes", "hw",
            "frontend", "backend", "compiler", "sim", "report", "api", "synth", "text",
            "input_files", "subprocesses", "explore", "report_html"},
    "__init__": {"version", "api", "errors"},
}

#: modules a package must not import although its table allows their package
FORBIDDEN = {
    # the bridge to hardware: the frontend asks hwgen.passes (check_lowerable, chain_codes)
    "frontend": {"hwgen.ir.lowering"},
}

#: The only modules with hwgen imports inside functions: they keep ``import hwgen`` and
#: ``hwgen --help`` from importing Amaranth, cocotb or the compiler before a command needs
#: them. Nowhere else may an import hide in a function.
LAZY_IMPORTERS = {"hwgen", "hwgen.cli", "hwgen.api", "hwgen.backend.design", "hwgen.sim.model_run"}

#: packages that may import Amaranth (the hardware, and what turns it into Verilog / runs it)
AMARANTH_USERS = {"hw", "backend", "sim"}


def _module_files() -> dict:
    """Dotted module name -> file, for hwgen/ and sim/ (as hwgen.sim)."""
    files = {}
    for path in sorted((ROOT / "hwgen").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        files[_dotted(parts)] = path
    for path in sorted((ROOT / "sim").rglob("*.py")):
        parts = ["hwgen", "sim"] + list(path.relative_to(ROOT / "sim").with_suffix("").parts)
        files[_dotted(parts)] = path
    return files


def _dotted(parts: list) -> str:
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = _module_files()


def _imports(module: str, path: Path, *, in_functions: bool = False) -> set:
    """hwgen modules and third-party top-level names imported anywhere in ``path`` (only
    inside functions with ``in_functions``)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(), str(path))
    if in_functions:
        nodes = [n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(f)]
    else:
        nodes = ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            submodules = {f"{target}.{a.name}" for a in node.names} & set(MODULES)
            found.update(submodules)          # "from pkg import submodule"
            if len(submodules) < len(node.names):
                found.add(target)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _area(module: str) -> str:
    """The package of the layering table a module belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def test_no_import_cycles():
    edges = {m: sorted(t for t in targets if t in MODULES and t != m)
             for m, targets in GRAPH.items()}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):                       # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_every_package_is_in_the_table():
    missing = sorted({_area(m) for m in MODULES} - set(ALLOWED))
    assert not missing, f"packages missing from ALLOWED: {missing}"


@pytest.mark.parametrize("area", sorted(ALLOWED))
def test_dependencies_are_allowed(area):
    wrong = []
    for module, targets in GRAPH.items():
        if _area(module) != area:
            continue
        for target in targets:
            if target.split(".")[0] != "hwgen":
                continue
            other = _area(target)
            if other != area and other not in ALLOWED[area]:
                wrong.append(f"{module} imports {target}")
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN.get(area, ())):
                wrong.append(f"{module} imports {target}, which {area} must not")
    assert not wrong, f"{area} may import only {sorted(ALLOWED[area])}:\n" + "\n".join(wrong)


def test_only_hardware_packages_import_amaranth():
    wrong = [f"{module} imports {target}" for module, targets in GRAPH.items()
             for target in targets
             if target.split(".")[0] == "amaranth" and _area(module) not in AMARANTH_USERS]
    assert not wrong, "\n".join(wrong)


def test_golden_and_perf_never_import_hardware():
    wrong = [f"{module} imports {target}" for module, targets in GRAPH.items()
             if _area(module) in ("golden", "perf")
             for target in targets if _area(target) in ("hw", "sim", "backend")
             and target.startswith("hwgen")]
    assert not wrong, "\n".join(wrong)


def test_imports_hide_in_functions_only_where_startup_needs_it():
    wrong = [f"{module} imports {target} inside a function"
             for module, path in MODULES.items() if module not in LAZY_IMPORTERS
             for target in _imports(module, path, in_functions=True)
             if target.split(".")[0] == "hwgen"]
    assert not wrong, "\n".join(wrong)
