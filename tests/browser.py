#!/usr/bin/python3
"""Drives Debian's headless Chromium through chromedriver (python3-selenium)
for the integration tests of feedmail serve's pages (t0520-browser.sh).

    browser.py shot URL PNG --width W [--height H] [--json FILE]
    browser.py press URL [--button TEXT] [--expect TEXT] [--json FILE]
    browser.py fill URL FIELD=VALUE... [--button TEXT] [--expect TEXT]
                    [--json FILE]

shot: opens URL in a viewport of W x H CSS pixels (scale 1; "mobile"
below 600 px, as a phone reports itself), waits for the page's <h1>, and
saves a screenshot of the viewport to PNG.
press: opens URL, waits for its submit button (the one whose text is
TEXT, else the first), presses it and waits for the page it leads to: the
old page gone, then an <h1> (holding TEXT, with --expect).
fill: like press, after setting the form's fields: a text input is typed
into (a time or date input set, since what is typed there depends on the
locale), a <select> gets the option of that value, a checkbox or radio of
that name and value is ticked (FIELD=-VALUE unticks a checkbox).

Each prints (and writes to --json) what the test checks: the final URL,
the <html lang>, the <h1>, the page's text, document.documentElement's
scrollWidth and window.innerWidth (a page wider than its viewport makes a
phone scroll sideways), and every URL the page loaded (Resource Timing):
the pages must load nothing from another site. Waits are for conditions
(WebDriverWait), never a fixed pause. Exit 0, or 1 with the reason.

The browser asks for pages in --languages (default fr-FR,fr), as
Accept-Language. CHROMIUM and CHROMEDRIVER name the binaries (default: Debian's
/usr/bin/chromium and /usr/bin/chromedriver). Chromium runs headless with
--no-sandbox (the tests may run as root) and a throwaway profile under
$TMPDIR, removed at the end.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# Far beyond what a loaded machine needs: the deadline only costs time
# when the test fails anyway.
WAIT = 120


class Fail(Exception):
    pass


def start(width, height, profile, languages):
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--hide-scrollbars",
              "--user-data-dir=" + profile,
              "--force-device-scale-factor=1",
              "--window-size=%d,%d" % (width, height),
              "--no-first-run", "--no-default-browser-check",
              "--disable-background-networking", "--disable-sync",
              "--disable-component-update", "--disable-extensions",
              "--disable-default-apps", "--metrics-recording-only",
              "--disable-breakpad"):
        opts.add_argument(a)
    # what Accept-Language says (headless Chromium ignores --lang)
    opts.add_experimental_option("prefs",
                                 {"intl.accept_languages": languages})
    service = Service(os.environ.get("CHROMEDRIVER",
                                     "/usr/bin/chromedriver"),
                      log_path=os.path.join(profile, "chromedriver.log"))
    d = webdriver.Chrome(service=service, options=opts)
    d.set_page_load_timeout(WAIT)
    # the viewport itself, not the window around it; below 600 px as a
    # phone does (mobile: the viewport meta tag counts)
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": width < 600})
    return d


def h1_present(d):
    found = d.find_elements(By.TAG_NAME, "h1")
    return found[0] if found else False


def describe(d):
    js = """
    const e = document.documentElement;
    return {
        url: location.href,
        lang: e.getAttribute("lang") || "",
        h1: (document.querySelector("h1") || {}).textContent || "",
        text: document.body ? document.body.innerText : "",
        scroll_width: e.scrollWidth,
        inner_width: window.innerWidth,
        loaded: performance.getEntriesByType("resource")
            .map(r => r.name),
    };
    """
    return d.execute_script(js)


def open_page(d, url):
    d.get(url)
    try:
        WebDriverWait(d, WAIT).until(h1_present)
    except TimeoutException:
        raise Fail("%s: no <h1> within %d s; the page:\n%s"
                   % (url, WAIT, d.page_source[:2000]))


def button(d, text):
    buttons = d.find_elements(By.CSS_SELECTOR,
                              "button[type=submit], input[type=submit]")
    for b in buttons:
        label = b.text or b.get_attribute("value") or ""
        if text is None or label.strip() == text:
            return b
    raise Fail("no submit button%s on %s; its buttons: %r"
               % (" %r" % text if text else "", d.current_url,
                  [b.text or b.get_attribute("value") for b in buttons]))


def fill(d, assignments):
    for a in assignments:
        name, sep, value = a.partition("=")
        if not sep:
            raise Fail("%r: want FIELD=VALUE" % a)
        fields = d.find_elements(By.NAME, name)
        if not fields:
            raise Fail("no field named %r on %s" % (name, d.current_url))
        kind = (fields[0].get_attribute("type") or "").lower()
        tag = fields[0].tag_name.lower()
        if tag == "select":
            Select(fields[0]).select_by_value(value)
        elif kind in ("checkbox", "radio"):
            want = not value.startswith("-")
            value = value.lstrip("-")
            for f in fields:
                if f.get_attribute("value") == value:
                    if f.is_selected() != want:
                        f.click()
                    break
            else:
                raise Fail("no %s %s=%s on %s"
                           % (kind, name, value, d.current_url))
        elif kind in ("time", "date"):
            # typing into these depends on the browser's locale
            d.execute_script("arguments[0].value = arguments[1]",
                             fields[0], value)
        else:
            fields[0].clear()
            fields[0].send_keys(value)


def press(d, text, expect):
    b = button(d, text)
    old = d.find_element(By.TAG_NAME, "html")
    b.click()
    try:
        WebDriverWait(d, WAIT).until(EC.staleness_of(old))
        WebDriverWait(d, WAIT).until(h1_present)
        if expect:
            WebDriverWait(d, WAIT).until(
                EC.text_to_be_present_in_element((By.TAG_NAME, "h1"),
                                                 expect))
    except TimeoutException:
        raise Fail("after pressing %r: no%s <h1> within %d s; the page:\n%s"
                   % (b.text, " %r" % expect if expect else "", WAIT,
                      d.page_source[:2000]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=("shot", "press", "fill"))
    ap.add_argument("url")
    ap.add_argument("rest", nargs="*")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--button")
    ap.add_argument("--expect")
    ap.add_argument("--languages", default="fr-FR,fr",
                    help="the browser's languages (Accept-Language)")
    ap.add_argument("--json")
    args = ap.parse_args()

    profile = tempfile.mkdtemp(prefix="feedmail-chromium.")
    d = None
    try:
        d = start(args.width, args.height, profile, args.languages)
        open_page(d, args.url)
        if args.action == "shot":
            if len(args.rest) != 1:
                raise Fail("shot URL PNG")
            if not d.save_screenshot(args.rest[0]):
                raise Fail("the screenshot could not be written")
        else:
            if args.action == "fill":
                fill(d, args.rest)
            press(d, args.button, args.expect)
        info = describe(d)
    except (Fail, WebDriverException) as e:
        print("browser.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        if d is not None:
            d.quit()
        shutil.rmtree(profile, ignore_errors=True)
    out = json.dumps(info, ensure_ascii=False, indent=1)
    print(out)
    if args.json:
        with open(args.json, "w") as f:
            f.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
