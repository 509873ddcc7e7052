"""The storefront's module graph: shared view code lives in shared modules, never in another page.

Each module of `static/js/pages/` is one page: it exports `render(ctx)` and nothing else, and it
imports only the shared modules of `static/js/` (never another page). Every relative import names
a file that exists and a name that file exports, so a moved function cannot leave a page broken.
"""

from __future__ import annotations

import re
from pathlib import Path

JS = Path(__file__).resolve().parents[2] / "static" / "js"
PAGES = JS / "pages"
IMPORT = re.compile(r'import\s*(?:\{(?P<names>[^}]*)\}|\*\s+as\s+\w+)\s*from\s*"(?P<path>[^"]+)"')
DYNAMIC = re.compile(r'import\("(?P<path>[^"]+)"\)')
EXPORT = re.compile(r"^export\s+(?:async\s+)?(?:function|const|let|class)\s+(\w+)", re.MULTILINE)


def _imports(module: Path) -> list[tuple[Path, list[str]]]:
    text = module.read_text()
    found = []
    for match in IMPORT.finditer(text):
        names = [n.strip() for n in (match["names"] or "").split(",") if n.strip()]
        found.append(((module.parent / match["path"]).resolve(), names))
    for match in DYNAMIC.finditer(text):
        found.append(((module.parent / match["path"]).resolve(), []))
    return found


def test_no_page_imports_another_page() -> None:
    crossings = [
        f"{page.name} imports {target.name}"
        for page in sorted(PAGES.glob("*.js"))
        for target, _ in _imports(page)
        if target.parent == PAGES
    ]

    assert crossings == []


def test_a_page_exports_render_and_nothing_else() -> None:
    exports = {page.name: EXPORT.findall(page.read_text()) for page in sorted(PAGES.glob("*.js"))}

    assert exports
    assert {name: names for name, names in exports.items() if names != ["render"]} == {}


def test_every_relative_import_names_an_exported_name_of_a_file_that_exists() -> None:
    broken = []
    for module in sorted(JS.rglob("*.js")):
        for target, names in _imports(module):
            if not target.is_file():
                broken.append(f"{module.name}: {target} is missing")
                continue
            source = target.read_text()
            exported = set(EXPORT.findall(source))
            for group in re.findall(r"^export\s*\{([^}]*)\}", source, re.MULTILINE):
                exported |= {name.strip() for name in group.split(",")}
            missing = [name for name in names if name not in exported]
            broken += [f"{module.name}: {target.name} has no {name}" for name in missing]

    assert broken == []
