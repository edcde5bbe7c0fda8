#!/usr/bin/env python3
"""The web page (GET /) in headless Chromium against the real vit-server binary.

Starts vit-server on 127.0.0.1 (free ports, a bearer token, the embedded default
model), opens http://127.0.0.1:PORT/ in Debian's chromium through chromedriver
(python3-selenium) and checks what a person would see:
  - the token field appears (the server requires one) and, once filled, the page works;
  - after choosing a photo, the top-1 label shown equals POST /v1/classify's;
  - the heat-map overlay appears (an <img> with a decoded PNG) and the opacity slider,
    moved with the keyboard, changes its opacity; the method switch reruns it;
  - an undecodable file and one over the body limit show the server's own error text;
  - an image dropped on the page or pasted into it (synthetic events) is classified;
  - the page logged no JavaScript error and loaded nothing from elsewhere.
Writes a screenshot (web-page.png) to $VIT_TEST_ARTIFACTS, else the working directory
(ctest runs it in the build tree), and prints its path; --screenshot PATH writes it there.

Without chromium the test is skipped (exit 77) unless VIT_REQUIRE_BROWSER is set
(scripts/test.sh sets it, so CI cannot skip it silently); then it fails. Chromium
without chromedriver or python3-selenium always fails.

Usage: web_page_browser_test.py --server-binary PATH --images-dir DIR [--screenshot PATH]
($VIT_TESTDATA_DIR/images replaces --images-dir when set, as for the C++ tests.)
Exit code 0 when every check passed, 1 otherwise, 77 when skipped.
"""
import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vit_server_process import Server  # noqa: E402

TOKEN = "web-page-test-token"
MAX_IMAGE_BYTES = 300000  # --max-image-bytes; the HTTP body limit is this + 64 KiB
SKIP = 77
failures = []


def check(condition, message):
    print(("ok:   " if condition else "FAIL: ") + message, flush=True)
    if not condition:
        failures.append(message)
    return bool(condition)


def find_browser():
    """(chromium, chromedriver) paths, or None for each one absent."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    return chromium, driver


def post(port, path, body):
    """(status, parsed JSON) of POST path with the token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers={"Authorization": "Bearer " + TOKEN})
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused before the whole body was sent (413): its answer is there
    response = connection.getresponse()
    data = response.read()
    connection.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, {"error": "not JSON: %r" % data[:200]}


def server_error_text(port, body):
    """The error the page should show for `body`: /v1/explain's, or /v1/classify's when
    the server cannot explain (501), as the page falls back to classify then."""
    status, answer = post(port, "/v1/explain?top_k=5", body)
    if status == 501:
        status, answer = post(port, "/v1/classify?top_k=5", body)
    return status, answer.get("error", "")


def make_driver(chromium, driver_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,1100", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


def wait_for(driver, predicate, timeout=90):
    """predicate(driver)'s first truthy value within timeout, else None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate(driver)
        except Exception:  # the page is changing under us: try again
            value = None
        if value:
            return value
        time.sleep(0.2)
    return None


def text_of(driver, element_id):
    return driver.find_element("id", element_id).text.strip()


def visible(driver, element_id):
    return driver.find_element("id", element_id).is_displayed()


def overlay_loaded(driver):
    return driver.execute_script(
        "const o = document.getElementById('overlay');"
        "return !o.hidden && o.complete && o.naturalWidth > 0 ? o.src : null;")


def choose_file(driver, path):
    """Uploads `path` and waits until the page answered (a top class or an error)."""
    driver.execute_script("document.getElementById('status').textContent = '';"
                          "document.getElementById('error').hidden = true;")
    driver.find_element("id", "file").send_keys(path)
    return wait_for(driver, lambda d: text_of(d, "status").startswith("Top class") or
                    (visible(d, "error") and text_of(d, "error")))


def check_token_field(driver, port):
    driver.get("http://127.0.0.1:%d/" % port)
    check(driver.title.startswith("vit-serve"), "the page loads (title %r)" % driver.title)
    shown = wait_for(driver, lambda d: visible(d, "token-field"), timeout=30)
    check(shown, "the token field appears when the server requires a token")
    field = driver.find_element("id", "token")
    field.send_keys(TOKEN)
    field.send_keys("\t")  # the change event: the page retries with the token
    info = wait_for(driver, lambda d: text_of(d, "server-info").startswith("Server "), timeout=30)
    check(info, "with the token the page reads the server's metadata: %r" %
          text_of(driver, "server-info"))


def check_photo(driver, port, photo):
    with open(photo, "rb") as f:
        image = f.read()
    status, expected = post(port, "/v1/classify?top_k=5", image)
    check(status == 200, "POST /v1/classify answers 200 for %s (got %d)" % (photo, status))
    expected_top = expected.get("predictions", [{}])[0].get("label", "?")
    answered = choose_file(driver, photo)
    check(answered, "the page answers after choosing %s" % os.path.basename(photo))
    labels = driver.find_elements("css selector", "#predictions li .label")
    shown_top = labels[0].text.strip() if labels else ""
    check(shown_top == expected_top,
          "top-1 shown %r equals the API's %r" % (shown_top, expected_top))
    check(len(labels) == len(expected.get("predictions", [])),
          "%d bars shown for the API's %d predictions" % (len(labels), len(expected["predictions"])))
    check(text_of(driver, "timings").find("total") >= 0, "the timings are shown")
    overlay = wait_for(driver, overlay_loaded, timeout=60)
    error = text_of(driver, "error") if visible(driver, "error") else ""
    check(overlay, "the heat-map overlay appears%s" % (": the page says %r" % error if error else ""))
    return overlay


def check_controls(driver, overlay_src):
    slider = driver.find_element("id", "opacity")
    before = driver.execute_script("return document.getElementById('overlay').style.opacity")
    slider.send_keys("\ue012\ue012")  # two Left arrows: keyboard-usable
    after = driver.execute_script("return document.getElementById('overlay').style.opacity")
    check(before == "0.6" and after == "0.5",
          "the opacity slider moves with the keyboard and sets the overlay's opacity "
          "(%r -> %r)" % (before, after))
    if not overlay_src:
        check(False, "the method switch reruns the explanation (no overlay to compare)")
        return
    driver.find_element("css selector", 'input[name="method"][value="attention"]').click()
    changed = wait_for(driver, lambda d: (overlay_loaded(d) or overlay_src) != overlay_src)
    check(changed and "attention" in text_of(driver, "caption"),
          "the method switch reruns it with attention (caption %r)" % text_of(driver, "caption"))


def check_undecodable(driver, port, work):
    path = os.path.join(work, "not-an-image.jpg")
    body = b"this is not an image, only text with a .jpg name\n"
    with open(path, "wb") as f:
        f.write(body)
    status, expected = server_error_text(port, body)
    check(status == 400 and expected, "the API refuses the file with 400 (%d %r)" % (status, expected))
    choose_file(driver, path)
    shown = text_of(driver, "error") if visible(driver, "error") else ""
    check(expected and expected in shown,
          "the page shows the server's error text %r (shown: %r)" % (expected, shown))
    check(not driver.find_elements("css selector", "#predictions li"),
          "no predictions are left from the previous image")


def check_too_large(driver, port, work):
    path = os.path.join(work, "too-large.jpg")
    body = b"\xff" * (MAX_IMAGE_BYTES + 200000)
    with open(path, "wb") as f:
        f.write(body)
    status, answer = post(port, "/v1/classify", body)
    expected = answer.get("error", "")
    check(status == 413 and expected, "the API refuses a large body with 413 (%d %r)" %
          (status, expected))
    choose_file(driver, path)
    shown = text_of(driver, "error") if visible(driver, "error") else ""
    check(expected and expected in shown and "too large" in shown,
          "the page says the image is too large, in the server's words (shown: %r)" % shown)


# Makes a 48x32 PNG in the page (a canvas), wraps it in a DataTransfer and fires
# arguments[0] ("drop" on the document or "paste") with it, as a browser would.
SYNTHETIC_EVENT_JS = """
const kind = arguments[0], done = arguments[arguments.length - 1];
const canvas = document.createElement('canvas');
canvas.width = 48; canvas.height = 32;
const g = canvas.getContext('2d');
g.fillStyle = kind === 'drop' ? '#c03030' : '#3030c0'; g.fillRect(0, 0, 48, 32);
g.fillStyle = '#f0f0f0'; g.fillRect(12, 8, 24, 16);
canvas.toBlob((blob) => {
  const data = new DataTransfer();
  data.items.add(new File([blob], kind + '.png', {type: 'image/png'}));
  document.getElementById('status').textContent = '';
  const event = kind === 'drop'
      ? new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true})
      : new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
  document.body.dispatchEvent(event);
  done(document.getElementById('original').src);
}, 'image/png');
"""


def check_drop_and_paste(driver):
    for kind in ("drop", "paste"):
        before = driver.find_element("id", "original").get_attribute("src")
        driver.execute_async_script(SYNTHETIC_EVENT_JS, kind)
        answered = wait_for(driver, lambda d: text_of(d, "status").startswith("Top class"))
        after = driver.find_element("id", "original").get_attribute("src")
        check(answered and after != before,
              "a %s of an image shows it and its top class (status %r)" %
              (kind, text_of(driver, "status")))


def check_console(driver):
    try:
        entries = driver.get_log("browser")
    except Exception as e:  # not every driver keeps the log
        print("note: no browser log (%s)" % e)
        return
    # Failed requests the page made on purpose show up as console errors too: only
    # script errors, CSP violations and requests to other origins count.
    bad = [e["message"] for e in entries if e.get("level") == "SEVERE" and
           ("Uncaught" in e["message"] or "Content Security Policy" in e["message"] or
            "127.0.0.1" not in e["message"])]
    check(not bad, "no script error, CSP violation or foreign request in the console: %s" % bad)


def screenshot_path(argument):
    path = os.path.abspath(argument) if argument else os.path.join(
        os.environ.get("VIT_TEST_ARTIFACTS") or os.getcwd(), "web-page.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-binary", required=True)
    parser.add_argument("--images-dir", required=True)
    parser.add_argument("--photo", default="butterfly.jpg", help="in --images-dir")
    parser.add_argument("--screenshot", default="", help="default: $VIT_TEST_ARTIFACTS or cwd")
    args = parser.parse_args()
    if os.environ.get("VIT_TESTDATA_DIR"):
        args.images_dir = os.path.join(os.environ["VIT_TESTDATA_DIR"], "images")
    args.images_dir = os.path.realpath(args.images_dir)  # chromedriver wants canonical paths

    chromium, driver_path = find_browser()
    if not chromium:
        if not os.environ.get("VIT_REQUIRE_BROWSER"):
            print("SKIP: chromium not found (apt-get install chromium chromium-driver "
                  "python3-selenium); set VIT_REQUIRE_BROWSER=1 to make this a failure")
            return SKIP
        print("FAIL: chromium not found and VIT_REQUIRE_BROWSER is set")
        return 1
    if not driver_path:  # chromium without its driver is a broken set-up, never a skip
        print("FAIL: chromium is installed but chromedriver is not (apt-get install chromium-driver)")
        return 1
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("FAIL: chromium is installed but python3-selenium is not, for %s" % sys.executable)
        return 1

    work = tempfile.mkdtemp(prefix="vit-web-test-")
    server = Server(args.server_binary, work, TOKEN, ["--max-image-bytes", str(MAX_IMAGE_BYTES)])
    driver = None
    try:
        if not server.wait():
            print("FAIL: vit-server did not start serving:\n" + "".join(server.lines[-40:]))
            return 1
        print("vit-server HTTP on 127.0.0.1:%d" % server.http_port, flush=True)
        driver = make_driver(chromium, driver_path)
        check_token_field(driver, server.http_port)
        overlay = check_photo(driver, server.http_port, os.path.join(args.images_dir, args.photo))
        check_controls(driver, overlay)
        # The screenshot shows the photo's result (overlay at 50 %), before the error case.
        path = screenshot_path(args.screenshot)
        check(driver.save_screenshot(path), "screenshot written")
        print("screenshot: " + path, flush=True)
        check_undecodable(driver, server.http_port, work)
        check_too_large(driver, server.http_port, work)
        check_drop_and_paste(driver)
        check_console(driver)
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if server.process.returncode not in (0, None):
        check(False, "vit-server exited with %s" % server.process.returncode)
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
