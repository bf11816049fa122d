"""The HTML report in a real browser: makes a results file with the real binary (threads, locks,
a trace and the latency probe), runs `gilbench-report report`, opens report.html in headless
Chromium through Selenium and checks that every <img> loaded (naturalWidth > 0), the browser
logged no console error, and the tables are there; saves a full-page screenshot.

Usage: browser_report.py GILBENCH OUTDIR. Exit 0 pass, 1 fail, 77 skip (Chromium, chromedriver
or python3-selenium absent: scripts/install-deps.sh installs them).
"""

import os
import shutil
import subprocess
import sys

SKIP = 77
CHROMEDRIVER = "/usr/bin/chromedriver"
HERE = os.path.dirname(os.path.abspath(__file__))
ENTRY = os.path.join(os.path.dirname(HERE), "gilbench-report")


def skip(why):
    print(f"SKIP: {why} (apt-get install -y chromium chromium-driver python3-selenium; "
          "scripts/install-deps.sh does)")
    sys.exit(SKIP)


def run(cmd):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))} exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return proc


def main(gilbench, outdir):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip("python3-selenium is not installed")
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(browser, os.X_OK):
        skip("chromium is not installed")
    if not os.access(CHROMEDRIVER, os.X_OK):
        skip(f"{CHROMEDRIVER} is not installed (package chromium-driver)")
    os.makedirs(outdir, exist_ok=True)
    h5 = os.path.join(outdir, "browser.h5")
    for f in (h5, h5 + ".lock"):
        if os.path.exists(f):
            os.remove(f)
    run([gilbench, "--count", "200M", "--threads", "1,2", "--lock", "none,gil", "--switch-interval", "1ms",
         "--trace", "--trace-window", "100ms", "--probe", "latency:2ms", "--repeat", "2", "--warmup", "0",
         "--quiet", "--output", h5])
    report = os.path.join(outdir, "report")
    run([ENTRY, "report", h5, "-o", report, "--quiet"])
    page = os.path.join(report, "report.html")

    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    problems = []
    try:
        driver.set_page_load_timeout(120)
        driver.get("file://" + os.path.abspath(page))
        driver.execute_script("return document.readyState")
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth, i.naturalHeight]);")
        if not images:
            problems.append("the report has no <img>")
        for alt, complete, width, height in images:
            if not complete or width <= 0 or height <= 0:
                problems.append(f"image '{alt}' did not load (naturalWidth {width})")
        tables = driver.execute_script(
            "return Array.from(document.querySelectorAll('table')).map(t => t.rows.length);")
        if len(tables) < 3 or min(tables) < 2:
            problems.append(f"tables: {tables} (want at least 3, each with a header and a row)")
        headings = driver.execute_script(
            "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent);")
        for want in ("Inputs", "Plots", "Latency probe"):
            if not any(want in h for h in headings):
                problems.append(f"no '{want}' heading (have {headings})")
        # A page wider than the window makes the whole report scroll sideways: wide tables
        # must scroll in their own box instead.
        driver.set_window_size(1100, 760)
        wide = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];")
        if wide[0] > wide[1]:
            problems.append(f"the page is {wide[0]} px wide in a {wide[1]} px window (horizontal scrolling)")
        title = driver.title
        if "gilbench" not in title:
            problems.append(f"page title {title!r}")
        for entry in driver.get_log("browser"):
            if entry.get("level") in ("SEVERE", "ERROR"):
                problems.append(f"console {entry['level']}: {entry['message'][:200]}")
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1280, min(max(int(height), 800), 16000))
        shot = os.path.join(outdir, "report.png")
        driver.save_screenshot(shot)
        top = os.path.join(outdir, "report-top.png")
        driver.set_window_size(1100, 760)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(top)
    finally:
        driver.quit()
    print(f"report: {page}: {len(images)} images, {len(tables)} tables; screenshots {shot}, {top}")
    if problems:
        for p in problems:
            print(f"FAIL: {p}")
        return 1
    print("PASS: every image loaded, no console error, the tables are there")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} GILBENCH OUTDIR")
    sys.exit(main(sys.argv[1], sys.argv[2]))
