"""jinja2 rendering of rtl_templates/ (harness wrappers, file lists, waivers)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2

__all__ = ["render"]


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    root = resources.files("hwgen.rtl_templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **values) -> str:
    """Render ``rtl_templates/<template>``; a missing value is an error, never blank."""
    return _environment().get_template(template).render(**values)
