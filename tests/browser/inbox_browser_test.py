#!/usr/bin/python3
"""The web inbox in a real browser: Chromium headless, driven by Selenium, on the bundled demo.

A creator's walk: open Today, open the first person, read the whole message (the quoted part
behind its toggle), snooze them a week and clear it, mark them answered and see them leave
Today, search for a name typed without its accents, add a note holding markup (it must stay
text), follow a one-tap "Done" link from the digest email the run wrote, all at 1280 px, then
the same pages at 390 px (a phone) with nothing wider than the screen. Screenshots of each page at both widths are kept in the artifacts folder.

usage: inbox_browser_test.py --rapport PATH --source-dir DIR --artifacts DIR
Exits 0 when every step showed what it should, 1 otherwise (with the step that failed).
"""
import argparse
import email
import email.policy
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


# Amélie writes again from a new address: the same person, as the inbox should suggest.
SECOND_ADDRESS = """From: =?UTF-8?B?QW3DqWxpZSBEdXJhbmQ=?= <amelie.durand@gmail.com>
To: Sam Rivera <sam@slowgarden.example>
Subject: Re: Ep. 9: Saving Seed for Beginners
Date: Thu, 26 Nov 2026 19:12:40 +0100
Message-ID: <CAK7x1Ezq=amelie.second@mail.gmail.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

Hello again Sam, writing from my new address. The bean seeds germinated!
Which variety would you try next spring?

Am\u00e9lie
"""


def write_config(work, source_dir, web_port, listener_port):
    demo = os.path.join(work, "demo")
    shutil.copytree(os.path.join(source_dir, "config", "demo"), demo)
    with open(os.path.join(demo, "Maildir", "new", "1764180760.M1P1.mail"), "w",
              encoding="utf-8") as f:
        f.write(SECOND_ADDRESS)
    config = os.path.join(work, "rapport.toml")
    with open(os.path.join(source_dir, "config", "demo.toml"), encoding="utf-8") as f:
        text = f.read()
    text = text.replace('path = "../state/demo.db"', 'path = "state/demo.db"')
    text = text.replace('output_dir = "../state/digests"', 'output_dir = "state/digests"')
    text = text.replace("port = 8787", f"port = {listener_port}")
    text = text.replace("port = 8788", f"port = {web_port}\npublic_url = "
                        f"\"http://127.0.0.1:{web_port}\"")
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)
    return config


def one_tap_links(work):
    """The one-tap links of the digest the run wrote, by person: {name: {label: url}}."""
    files = glob.glob(os.path.join(work, "state", "digests", "*.eml"))
    if len(files) != 1:
        raise AssertionError(f"one digest file expected, found {files}")
    with open(files[0], "rb") as f:
        message = email.message_from_binary_file(f, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    links, name = {}, None
    for line in text.splitlines():
        entry = re.match(r"^\d+\. (.+?)( <.*>)?$", line)
        if entry:
            name = entry.group(1)
            links[name] = {}
        tap = re.match(r"^   (Done|Snooze a week|Open in the inbox): (http://\S+)$", line)
        if tap and name:
            links[name][tap.group(1)] = tap.group(2)
    return links


def submit(driver, element):
    """Clicks a button (or presses Enter in a field) and waits for the page it leads to."""
    page = driver.find_element(By.TAG_NAME, "html")
    if element.tag_name == "input":
        element.send_keys(Keys.ENTER)
    else:
        element.click()

    def replaced(_):
        # The old page's root is gone once the new page is in. Chromium's driver says so
        # either as a stale element or, while the swap is under way, as "Node with given id
        # does not belong to the document": both mean the same.
        try:
            page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def no_wider_than_the_screen(driver):
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rapport", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--artifacts", required=True)
    args = ap.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)

    work = tempfile.mkdtemp(prefix="rapport-browser-")
    web_port, listener_port = free_port(), free_port()
    config = write_config(work, args.source_dir, web_port, listener_port)
    # The demo as of its own morning (scripts/demo.sh), so the inbox reads the same any day.
    env = dict(os.environ, RAPPORT_DEMO_VOICEMAIL_TOKEN="browser-test", TZ="UTC",
               RAPPORT_NOW="2026-11-30T08:00:00Z")
    run = subprocess.run([args.rapport, "run", "--quiet", "--config", config], env=env,
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        print(run.stdout, run.stderr, file=sys.stderr)
        return 1
    serve = subprocess.Popen([args.rapport, "serve", "--config", config], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{web_port}"
    driver = None
    try:
        wait_for(base + "/")
        options = Options()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--disable-extensions", "--lang=en-GB"):
            options.add_argument(a)
        options.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        driver.set_page_load_timeout(30)

        def shot(name):
            driver.save_screenshot(os.path.join(args.artifacts, name))

        # Today, as the digest ranks it.
        driver.set_window_size(1280, 1000)
        driver.get(base + "/")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Today", "Today opens")
        cards = driver.find_elements(By.CSS_SELECTOR, "li.card")
        check(len(cards) >= 3, f"Today lists people ({len(cards)})")
        first = cards[0].find_element(By.CSS_SELECTOR, "a.name")
        name = first.text
        check(cards[0].find_element(By.CSS_SELECTOR, ".reasons").text != "",
              f"{name} comes with the reasons")
        shot("inbox-today-1280.png")

        # A person, and their whole message.
        submit(driver, first)
        check(driver.find_element(By.TAG_NAME, "h1").text == name, f"{name}'s page opens")
        person_url = driver.current_url
        toggles = driver.find_elements(By.CSS_SELECTOR, "article.message details")
        if toggles:
            whole = toggles[0].find_element(By.CSS_SELECTOR, ".whole")
            check(not whole.is_displayed(), "the quoted part starts folded away")
            toggles[0].find_element(By.TAG_NAME, "summary").click()
            check(whole.is_displayed() and whole.text.strip() != "",
                  "'Show the quoted part' shows the whole message")
        words = driver.find_elements(By.CSS_SELECTOR, "article.message .words")
        check(len(words) >= 1 and words[0].text.strip() != "", "their own words are shown first")
        shot("inbox-person-1280.png")

        # Snooze a week, then clear it.
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='A week']"))
        check("snoozed until" in driver.find_element(By.CSS_SELECTOR, "p.lede").text,
              "snoozed for a week")
        driver.get(base + "/")
        check(name not in driver.find_element(By.TAG_NAME, "main").text,
              f"{name} is off Today while snoozed")
        driver.get(person_url)
        submit(driver, driver.find_element(By.XPATH,
                                           "//button[normalize-space()='Clear the snooze']"))
        check("snoozed" not in driver.find_element(By.CSS_SELECTOR, "p.lede").text,
              "the snooze is cleared")

        # Answered: off Today; the undo is offered.
        submit(driver, driver.find_element(By.XPATH, "//section[@class='actions']//button"
                                                     "[normalize-space()='Answered']"))
        check("answered" in driver.find_element(By.CSS_SELECTOR, "p.lede").text,
              "marked answered")
        check(len(driver.find_elements(By.XPATH, "//button[normalize-space()="
                                                 "'Undo the last answer']")) == 1,
              "the answer can be taken back")
        driver.get(base + "/")
        check(name not in driver.find_element(By.TAG_NAME, "main").text,
              f"{name} is off Today once answered")

        # A note holding markup stays text.
        driver.get(person_url)
        note = driver.find_element(By.CSS_SELECTOR, "textarea[name='text'][required]")
        note.send_keys("Met at the <b>garden fair</b> <script>alert(1)</script>")
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Add the note']"))
        saved = driver.find_elements(By.CSS_SELECTOR, ".note textarea")
        check(len(saved) == 1 and "<script>alert(1)</script>" in saved[0].get_attribute("value"),
              "the note is kept as written, as text")
        check(driver.execute_script("return document.querySelectorAll('b, script').length") == 0,
              "no markup of theirs became page elements")

        # Search by a name typed without its accents: Amélie, twice (two addresses).
        box = driver.find_element(By.CSS_SELECTOR, "form.find input[name='q']")
        box.send_keys("amelie durand")
        submit(driver, box)
        people = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ul.results a.name")]
        check(people.count("Amélie Durand") == 2, f"'amelie durand' finds Amélie Durand ({people})")

        # The suggestion that they are one person, accepted.
        submit(driver, driver.find_elements(By.CSS_SELECTOR, "ul.results a.name")[0])
        check("Maybe the same person as" in driver.find_element(By.TAG_NAME, "main").text,
              "Amélie's page suggests her other address")
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()="
                                                     "'Same person: merge']"))
        known = driver.find_element(By.CSS_SELECTOR, "ul.identities").text
        check("amelie.durand@orange.fr" in known and "amelie.durand@gmail.com" in known,
              f"one Amélie, known by both addresses ({known!r})")
        check("Maybe the same person as" not in driver.find_element(By.TAG_NAME, "main").text,
              "the suggestion is gone once accepted")
        box = driver.find_element(By.CSS_SELECTOR, "form.find input[name='q']")
        box.send_keys("amelie")
        submit(driver, box)
        people = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ul.results a.name")]
        check(people.count("Amélie Durand") == 1, f"and search finds her once ({people})")
        driver.get(base + "/search?q=meadow")
        hits = driver.find_elements(By.CSS_SELECTOR, "ul.results mark")
        check(len(hits) >= 1 and hits[0].text.lower().startswith("meadow"),
              "words in their messages are found and marked")
        shot("inbox-search-1280.png")

        # A one-tap link from the digest email: it asks first, acts on the button, once.
        taps = one_tap_links(work)
        other = next((n for n, l in taps.items() if n != name and "Done" in l), None)
        check(other is not None, f"the digest carries one-tap links ({len(taps)} people)")
        check(all("Snooze a week" in l and "Open in the inbox" in l for l in taps.values()),
              "each person has Done, Snooze a week and Open in the inbox")
        driver.get(taps[other]["Done"])
        check(driver.find_element(By.TAG_NAME, "h1").text == f"Mark {other} as answered?",
              "the Done link asks before it acts")
        driver.get(base + "/")
        check(other in driver.find_element(By.TAG_NAME, "main").text,
              f"opening the link left {other} on Today")
        driver.get(taps[other]["Done"])
        submit(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Yes, answered']"))
        check("Marked answered" in driver.find_element(By.CSS_SELECTOR, "p.lede").text,
              f"{other} is marked answered from the digest")
        shot("inbox-one-tap-1280.png")
        driver.get(taps[other]["Done"])
        check("Already marked answered" in driver.find_element(By.CSS_SELECTOR, "p.lede").text,
              "the link used again changes nothing")
        driver.get(base + "/")
        check(other not in driver.find_element(By.TAG_NAME, "main").text,
              f"{other} is off Today")

        # The sources, and the digest the run made.
        driver.get(base + "/sources")
        names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "article h3")]
        check(any(n.startswith("replies") for n in names) and
              any(n.startswith("website-form") for n in names),
              f"the sources page shows each source ({names})")
        driver.get(base + "/digests")
        listed = driver.find_elements(By.CSS_SELECTOR, "article ol li")
        check(len(listed) == 10, f"the run's digest is there with the 10 it listed ({len(listed)})")

        driver.find_element(By.CSS_SELECTOR, "article details summary").click()
        sent = driver.find_element(By.CSS_SELECTOR, "article details .whole").text
        check("to answer personally today" in sent, "the digest reads as it was sent")

        # The same pages on a phone, and the narrowest (360 px) fits too.
        driver.set_window_size(390, 844)
        for path, file in (("/", "inbox-today-390.png"), (person_url, "inbox-person-390.png"),
                           ("/waiting", "inbox-waiting-390.png"),
                           ("/sources", "inbox-sources-390.png"),
                           ("/digests", "inbox-digests-390.png")):
            driver.get(path if path.startswith("http") else base + path)
            check(no_wider_than_the_screen(driver), f"{path} fits 390 px")
            shot(file)
        driver.set_window_size(360, 740)
        for path in ("/", person_url, "/search?q=meadow", "/sources", "/digests"):
            driver.get(path if path.startswith("http") else base + path)
            check(no_wider_than_the_screen(driver), f"{path} fits 360 px")
        print("browser walk passed")
        return 0
    except (AssertionError, WebDriverException) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        if driver:
            driver.save_screenshot(os.path.join(args.artifacts, "inbox-failure.png"))
        return 1
    finally:
        if driver:
            driver.quit()
        serve.terminate()
        try:
            out, _ = serve.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            serve.kill()
            out, _ = serve.communicate()
        if serve.returncode not in (0, -15):
            print(out, file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
