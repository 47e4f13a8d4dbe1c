"""The HTML report in real headless Chromium: no console errors, nothing fetched from the
network, every key section visible. Saves a screenshot into tmp_path.

Skips only when Chromium is not installed AND ``CONTACTOPS_REQUIRE_BROWSER`` is unset; CI
sets the variable (and installs ``chromium``), so a missing browser fails there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.report.cdp import Browser, find_chromium

from contactops.report import build_summary
from contactops.report.html import write_report

SECTIONS = ("verdict", "imports", "normalization", "dedupe", "validation", "consent",
            "taxonomy", "audiences", "changes")


@pytest.fixture
def browser(tmp_path: Path):
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CONTACTOPS_REQUIRE_BROWSER"):
            pytest.fail("CONTACTOPS_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("websocket", reason="websocket-client drives the DevTools protocol")
    b = Browser(binary, tmp_path / "profile")
    yield b
    b.close()


def test_report_renders_offline_without_errors(browser: Browser, demo_warehouse: Path,
                                               tmp_path: Path) -> None:
    page = write_report(build_summary(demo_warehouse), tmp_path / "report.html")
    browser.open(page.as_uri())

    assert browser.evaluate("document.documentElement.dataset.reportReady") == "1"
    assert browser.console_errors() == []
    outside = [u for u in browser.requests() if not u.startswith(("file:", "data:"))]
    assert outside == []
    visible = browser.evaluate(
        "JSON.stringify(" + str(list(SECTIONS)) + ".map(function (id) {"
        " var e = document.getElementById(id); if (!e) return [id, false];"
        " var r = e.getBoundingClientRect();"
        " return [id, r.height > 20 && getComputedStyle(e).display !== 'none'"
        " && e.textContent.trim().length > 20]; }))")
    assert dict(__import__("json").loads(visible)) == dict.fromkeys(SECTIONS, True)
    assert "Not ready to publish" in browser.evaluate("document.querySelector('#verdict h2')"
                                                      ".textContent")
    assert browser.evaluate("document.querySelectorAll('svg.chart').length") >= 5
    # the page's own script works: filtering rules hides the rows that do not match
    shown = browser.evaluate(
        "var f = document.getElementById('rule-filter'); f.value = 'required_fields';"
        " f.dispatchEvent(new Event('input'));"
        " Array.from(document.querySelectorAll('#rules tr')).slice(1)"
        ".filter(function (r) { return r.style.display !== 'none'; }).length")
    assert shown >= 1
    assert browser.console_errors() == []
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
