"""The live page, the embed and the HTML report in a real browser: headless Chromium driven
by Selenium (Debian's chromium, chromium-driver, python3-selenium), against a real server
on loopback. Screenshots go to the build tree (server-test/)."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from conftest import ROOT

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.fail("chromedriver not found: install Debian's chromium and chromium-driver (quickstart.sh does)")
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1300", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_ready(browser, updates: int = 1, timeout: float = 30) -> None:
    """Until the page has drawn `updates` answers and is not waiting for another."""
    WebDriverWait(browser, timeout).until(lambda d: d.execute_script(
        "const b = document.body; if (b.dataset.state === 'error') return true;"
        "return b.dataset.state === 'ready' && +(b.dataset.updates || (b.dataset.state === 'ready' ? 1 : 0)) >= arguments[0];",
        updates))
    state = browser.execute_script("return document.body.dataset.state")
    assert state == "ready", browser.execute_script("return document.body.innerText")[:500]


def chart_points(browser, canvas_id: str) -> int:
    """Points in the first dataset of the Chart.js chart drawn on a canvas (0: none)."""
    return browser.execute_script(
        "const c = Chart.getChart(arguments[0]); return c ? c.data.datasets[0].data.length : 0;", canvas_id)


def api_prob_positive(server, request: dict) -> float:
    return server.post("/api/run", request)["scalars"]["npv_usd"]["prob_positive"]


def test_live_page_follows_a_slider(server, browser, build_dir):
    browser.get(server.url + "/?scenario=default")
    wait_ready(browser)
    for canvas in ("chart-npv", "chart-revenue_usd", "chart-ebit_usd", "chart-utilization", "chart-tornado"):
        assert chart_points(browser, canvas) > 0, canvas
    assert browser.find_elements(By.CSS_SELECTOR, "#claims tbody tr")
    first = browser.find_element(By.ID, "prob-npv-positive").text

    # Move the first slider (the input with the largest NPV swing) with the keyboard.
    slider = browser.find_element(By.CSS_SELECTOR, "#sliders input[type=range]")
    path = slider.get_attribute("data-path")
    t0 = time.monotonic()
    slider.send_keys(Keys.HOME)  # to its p5: the slowest price decline
    WebDriverWait(browser, 30).until(lambda d: path in (d.execute_script("return document.body.dataset.request") or ""))
    wait_ready(browser, updates=2)
    elapsed = time.monotonic() - t0
    request = json.loads(browser.execute_script("return document.body.dataset.request"))
    assert request["overrides"] == {path: pytest.approx(float(slider.get_attribute("min")))}

    shown = browser.find_element(By.ID, "prob-npv-positive")
    api = api_prob_positive(server, request)
    assert float(shown.get_attribute("data-value")) == api
    assert shown.text == f"{100 * api:.1f}%"
    assert shown.text != first  # the slowest price decline moves P(NPV > 0)
    assert elapsed < 5, f"the page took {elapsed:.2f} s to follow the slider"  # about 0.3 s on an idle machine
    print(f"slider to redrawn charts: {elapsed:.2f} s")
    browser.save_screenshot(str(build_dir / "dashboard.png"))


def test_embed_in_an_iframe(server, browser, build_dir, tmp_path):
    host = tmp_path / "host.html"
    host.write_text(
        "<!doctype html><html><body><h3>A page that embeds infersim</h3>"
        f"<iframe id='npv' src='{server.url}/embed?scenario=default&metric=npv_usd' width='640' height='360'></iframe>"
        f"<iframe id='arr' src='{server.url}/embed?scenario=meta_8pct_uncertain&metric=revenue_usd&paths=5000' "
        "width='640' height='360'></iframe></body></html>")
    browser.get(host.as_uri())
    browser.switch_to.frame(browser.find_element(By.ID, "npv"))
    try:
        wait_ready(browser)
        shown = browser.find_element(By.ID, "prob-positive")
        api = api_prob_positive(server, {"scenario": "default", "paths": 20000, "seed": 1})
        assert float(shown.get_attribute("data-value")) == api and shown.text == f"{100 * api:.1f}%"
        assert chart_points(browser, "chart") > 0
    finally:
        browser.switch_to.default_content()
    browser.switch_to.frame(browser.find_element(By.ID, "arr"))
    try:
        wait_ready(browser)
        assert chart_points(browser, "chart") == 10  # the p95 line over ten years
    finally:
        browser.switch_to.default_content()
    browser.save_screenshot(str(build_dir / "embed.png"))


def test_report_opens_alone(browser, build_dir, tmp_path):
    import infersim

    scenario = infersim.Scenario.from_json(ROOT / "scenarios" / "v1" / "meta_8pct_uncertain.json")
    result = infersim.run(scenario, paths=20000, seed=1, keep_samples=["npv_usd"], progress=False)
    page = tmp_path / "report.html"
    page.write_text(result.to_html(scenario))
    browser.get(page.as_uri())  # a file: no server behind it
    wait_ready(browser)
    for canvas in ("chart-npv", "chart-revenue_usd", "chart-ebit_usd", "chart-fcf_usd", "chart-utilization"):
        assert chart_points(browser, canvas) > 0, canvas
    shown = browser.find_element(By.ID, "prob-npv-positive")
    assert float(shown.get_attribute("data-value")) == result.summary().loc["npv_usd", "prob_positive"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#catalog tbody tr")) == len(result.catalog())
    assert len(browser.find_elements(By.CSS_SELECTOR, "#claims tbody tr")) == len(result.claims())
    browser.save_screenshot(str(build_dir / "report.png"))


def test_the_page_says_when_chartjs_is_missing(browser, tmp_path):
    from conftest import Server

    bare = Server(env={"INFERSIM_CHARTJS": str(tmp_path / "missing.js")})
    try:
        browser.get(bare.url + "/")
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.state") == "error")
        assert "libjs-chart.js" in browser.find_element(By.ID, "status").text
    finally:
        bare.stop()
