"""axe-core in the browser tests: WCAG 2.2 AA on a page, in the light and the dark colour scheme.

axe-core is vendored (`tests/stack/vendor/axe-core/`, version and checksum below), never fetched.
A page is checked with the WCAG 2.0, 2.1 and 2.2 A/AA rule tags; a `serious` or `critical`
violation is a problem the test reports, `moderate` and `minor` ones are only listed.

    problems = axe_problems(page, "cart")          # [] when the view passes in both schemes

axe covers part of WCAG only: docs/accessibility.md lists what is checked by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_22_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FAILING = frozenset({"serious", "critical"})
SCHEMES = ("light", "dark")

# Two animation frames: the colour scheme's styles are applied and painted before axe reads them.
_SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
_RUN = """async (tags) => {
    const result = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one view in one colour scheme."""

    view: str
    scheme: str
    rule: str
    impact: str
    help: str
    nodes: tuple[str, ...]

    @property
    def fails(self) -> bool:
        """Serious and critical violations fail the test."""
        return self.impact in FAILING

    def __str__(self) -> str:
        more = len(self.nodes) - 3
        shown = "; ".join(self.nodes[:3]) + (f" (+{more} more)" if more > 0 else "")
        where = f"{self.view} ({self.scheme}), {len(self.nodes)} node(s)"
        return f"axe {self.impact} {self.rule} on {where}: {self.help}: {shown}"


@cache
def axe_source() -> str:
    """The vendored axe-core, checked against its pinned checksum."""
    source = (AXE_DIR / "axe.min.js").read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    assert digest == AXE_SHA256, (
        f"tests/stack/vendor/axe-core/axe.min.js is not axe-core {AXE_VERSION}"
    )
    return source.decode()


def axe_violations(page: Any, view: str, schemes: tuple[str, ...] = SCHEMES) -> list[Violation]:
    """Run axe on the page as it is now, once per colour scheme; the page is left in light."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    found: list[Violation] = []
    try:
        for scheme in schemes:
            # Reduced motion switches the CSS transitions off, so no colour is read mid-fade.
            page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
            page.evaluate(_SETTLE)
            for v in page.evaluate(_RUN, list(WCAG_22_AA)):
                nodes = tuple(f"{n['target']}" for n in v["nodes"])
                found.append(Violation(view, scheme, v["id"], v["impact"] or "", v["help"], nodes))
    finally:
        page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    return found


def axe_problems(page: Any, view: str, schemes: tuple[str, ...] = SCHEMES) -> list[str]:
    """The serious and critical violations on the page as sentences (printing the milder ones)."""
    violations = axe_violations(page, view, schemes)
    for mild in (v for v in violations if not v.fails):
        print(f"(not failing) {mild}")
    return [str(v) for v in violations if v.fails]
