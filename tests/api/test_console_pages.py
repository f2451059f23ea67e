"""The console pages are served by the gateway and keep to what a strict Content-Security-Policy
allows: scripts and styles from /static only, no inline code, handlers or style attributes, no CDN."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
PAGES = {
    "/agent": "agent.html",
    "/agent/reports": "reports.html",
    "/agent/review": "review.html",
    "/agent/knowledge": "knowledge.html",
}


class Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.sources: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=...>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if not names.get("src"):
                self.problems.append("inline <script>")
            self.sources.append(str(names.get("src")))
        if tag == "link" and names.get("rel") == "stylesheet":
            self.sources.append(str(names.get("href")))


@pytest.mark.parametrize("name", sorted(PAGES.values()))
def test_console_pages_have_no_inline_code_and_load_only_from_static(name: str) -> None:
    parser = Inline()
    parser.feed((STATIC / name).read_text(encoding="utf-8"))
    assert parser.problems == []
    assert parser.sources
    assert all(source.startswith("/static/") for source in parser.sources)


def test_console_scripts_use_no_cdn_eval_or_html_injection() -> None:
    for name in ("console.js", "agent.js", "charts.js", "reports.js", "review.js", "knowledge.js"):
        path = STATIC / name
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text.replace("http://www.w3.org/2000/svg", "")), path.name
        assert not re.search(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", text), path.name
        assert not re.search(r"\beval\(|new Function\(", text), path.name


@pytest.mark.parametrize(("route", "name"), sorted(PAGES.items()))
def test_the_gateway_serves_each_console_page(gateway: Any, route: str, name: str) -> None:
    response = gateway.client.get(route)
    assert response.status_code == 200
    assert response.text == (STATIC / name).read_text(encoding="utf-8")
    assert response.headers["cache-control"] == "no-cache"
