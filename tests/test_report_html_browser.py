"""The screen and cohort HTML in a real headless Chromium, driven by Selenium.

Checks what a reader would notice: the page loads without console errors, every image is decoded
(the cohort figures are inline PNGs), and with print media emulated (Chrome DevTools
``Emulation.setEmulatedMedia``) the essential sections are still shown. Needs Debian's
``chromium`` and ``chromium-driver`` (``apt-get install -y chromium chromium-driver``); skipped
with that reason when they are absent. Screenshots go to pytest's tmp folder only.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hpdgenomics.cli import cli

HERE = Path(__file__).parent
ROOT = HERE.parent
EXAMPLES = ROOT / "example_vcfs"
COHORT = ROOT / "examples" / "cohort"

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless Chromium not installed: apt-get install -y chromium chromium-driver")
webdriver = pytest.importorskip("selenium.webdriver",
                                reason="selenium (in the test extra) drives the browser")


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.stderr)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM          # the system browser: nothing is downloaded
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1024"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screen_report(tmp_path_factory):
    """kras_stk11_grch37.vcf: three flagged rules (KRAS_MUT, STK11_LOSS, KRAS_STK11_CO)."""
    out = tmp_path_factory.mktemp("screen_html")
    run("screen", "--vcf", EXAMPLES / "kras_stk11_grch37.vcf", "-o", out)
    [html] = out.glob("*.hpd.html")
    return html, json.loads(html.with_name(html.name.replace(".html", ".json")).read_text())


@pytest.fixture(scope="module")
def cohort_report(tmp_path_factory):
    """The bundled demo cohort (manifest of VCF and copy-number files, clinical table)."""
    out = tmp_path_factory.mktemp("cohort_html")
    run("cohort", "--manifest", COHORT / "manifest.tsv", "--clinical", COHORT / "clinical.tsv",
        "-o", out)
    return out / "cohort.html", json.loads((out / "cohort.json").read_text())


def open_page(driver, path: Path, media: str = "screen") -> list[dict]:
    """Load ``path`` with ``media`` emulated; return the browser log entries of the load."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
    driver.get_log("browser")                   # drop entries of earlier pages
    driver.get(path.resolve().as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.execute_script(f"return matchMedia('{media}').matches") is True
    return driver.get_log("browser")


def images(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.images, i => ({alt: i.alt, complete: i.complete,"
        " width: i.naturalWidth, height: i.naturalHeight}))")


def shown(driver, xpath: str) -> dict:
    """Whether the element at ``xpath`` and every ancestor is displayed, its size and text."""
    return driver.execute_script("""
        const node = document.evaluate(arguments[0], document, null,
                                       XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
        if (!node) return null;
        let hidden = [];
        for (let e = node; e && e.nodeType === 1; e = e.parentElement) {
            const style = getComputedStyle(e);
            if (style.display === 'none' || style.visibility === 'hidden' || style.opacity === '0')
                hidden.push(e.tagName + '.' + e.className);
        }
        const box = node.getBoundingClientRect();
        return {hidden: hidden, width: box.width, height: box.height, text: node.innerText};
        """, xpath)


def assert_shown(driver, xpath: str, *texts: str) -> None:
    state = shown(driver, xpath)
    assert state is not None, f"{xpath}: not in the page"
    assert state["hidden"] == [], (xpath, state["hidden"])
    assert state["width"] > 0 and state["height"] > 0, (xpath, state)
    for text in texts:
        assert text in state["text"], (xpath, text)


def screen_essentials(report: dict) -> list[tuple[str, tuple[str, ...]]]:
    kb = report["knowledge_base"]
    flagged = sorted({a["rule_id"] for a in report["alterations"]})
    return [
        ("//section[@id='caution-summary']",
         (f"Caution level: {report['caution']['level'].upper()}", *flagged)),
        ("//table[contains(@class, 'rules')]", tuple(flagged)),
        ("//table[contains(@class, 'genes')]", tuple(g["gene"] for g in report["genes"])),
        ("(//div[@class='ruo'])[1]", ("Research use only",)),
        ("//table[contains(@class, 'versions')]", (kb["name"], kb["version"], kb["sha256"])),
        ("//p[@class='meta']", (report["sample"]["id"], kb["version"])),
        *((f"//section[@id='finding-{i}']", (a["rule_id"],))
          for i, a in enumerate(report["alterations"], start=1)),
    ]


def cohort_essentials(report: dict) -> list[tuple[str, tuple[str, ...]]]:
    kb = report["knowledge_base"]
    tested = [x["id"] for x in report["association"]          # the summary table's rows
              if (x["level"], x["component"], x["grade"]) == ("rule", "all", "strong")]
    return [
        ("(//div[@class='ruo'])[1]", ("Research use only",)),
        ("//p[@class='meta']", (kb["name"], kb["version"])),
        ("//h2[normalize-space()='Summary by rule']/following-sibling::table[1]",
         tuple(tested)),
        ("//h2[normalize-space()='Samples screened']/following-sibling::table[1]",
         tuple(o["sample_id"] for o in report["samples"]["outcomes"])),
        ("//h2[normalize-space()='Forest plot']/following-sibling::div[1]//img", ()),
    ]


def test_screen_html_renders_without_console_errors(browser, screen_report):
    html, report = screen_report
    log = open_page(browser, html)
    assert [e for e in log if e["level"] in ("SEVERE", "WARNING")] == [], log
    assert all(i["complete"] and i["width"] > 0 for i in images(browser)), images(browser)
    assert browser.title == f"Pre-ICI caution report: {report['sample']['id']}"
    for xpath, texts in screen_essentials(report):
        assert_shown(browser, xpath, *texts)


def test_screen_print_stylesheet_hides_nothing_essential(browser, screen_report, tmp_path):
    html, report = screen_report
    assert report["alterations"], "the example must have findings to check"
    log = open_page(browser, html, media="print")
    assert [e for e in log if e["level"] == "SEVERE"] == [], log
    # the print rules of report.css are in force (body margin 0 only in print)
    assert browser.execute_script("return getComputedStyle(document.body).marginTop") == "0px"
    for xpath, texts in screen_essentials(report):
        assert_shown(browser, xpath, *texts)
    browser.save_screenshot(str(tmp_path / "screen_print.png"))


def test_cohort_html_renders_with_every_figure_loaded(browser, cohort_report):
    html, report = cohort_report
    log = open_page(browser, html)
    assert [e for e in log if e["level"] in ("SEVERE", "WARNING")] == [], log
    figures = images(browser)
    assert len(figures) >= 2, figures                # forest plot, KM curves, oncoprint
    for figure in figures:
        assert figure["complete"] and figure["width"] > 0 and figure["height"] > 0, figure
    for xpath, texts in cohort_essentials(report):
        assert_shown(browser, xpath, *texts)


def test_cohort_print_stylesheet_hides_nothing_essential(browser, cohort_report, tmp_path):
    html, report = cohort_report
    log = open_page(browser, html, media="print")
    assert [e for e in log if e["level"] == "SEVERE"] == [], log
    for xpath, texts in cohort_essentials(report):
        assert_shown(browser, xpath, *texts)
    assert all(i["width"] > 0 for i in images(browser))
    browser.save_screenshot(str(tmp_path / "cohort_print.png"))
