"""docs/architecture.md: the generated module map is up to date, and it covers every module."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def generator():
    spec = importlib.util.spec_from_file_location(
        "generate_architecture", ROOT / "docs" / "generate_architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_map_is_up_to_date():
    gen = generator()
    current = gen.DOC.read_text(encoding="utf-8")
    assert gen.render(current) == current, (
        "the module map of docs/architecture.md is out of date (a module was added, moved, "
        f"removed or its docstring changed): run `{gen.COMMAND}` (or `make docs`)")


def test_module_map_lists_every_module_with_its_first_sentence():
    gen = generator()
    text = gen.DOC.read_text(encoding="utf-8")
    section = text.split(gen.BEGIN)[1].split(gen.END)[0]
    paths = sorted(p.relative_to(ROOT).as_posix() for d in ("hwgen", "sim")
                   for p in (ROOT / d).rglob("*.py")
                   if "__pycache__" not in p.parts and p.name != "__init__.py")
    listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert sorted(listed) == paths
    assert "| `hwgen/api.py` | The public Python face: compile a model, save and load a design, " \
           "golden model, simulation. |" in section


def test_summary_is_the_first_sentence_with_sphinx_roles_as_code():
    gen = generator()
    assert gen.summary("One. Two.\n\nMore.") == "One."
    assert gen.summary("Wrapped over\ntwo lines: :class:`~a.b.Thing` and :func:`a.f`. Then more.") \
        == "Wrapped over two lines: `Thing` and `a.f`."
    assert gen.summary("A | B") == "A \\| B"
    assert gen.summary(None) == gen.NO_DOCSTRING
