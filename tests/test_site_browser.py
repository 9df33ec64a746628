"""The doc site as a reader meets it: served on localhost, opened in headless Chromium.

Skipped, with the reason, where Debian's `chromium` and `chromium-driver` are not
installed (`make browser` installs them). Selenium is always given the installed
driver, so it never downloads one.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from governance.load import load_rulesets
from governance.model import Rule, RuleSet
from publication.build import build_site
from publication.pages import parameter_anchor, rule_anchor
from publication.plain import humanise

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO = Path(__file__).resolve().parents[1]
WAIT = 30  # seconds a page may take to react; a wait, not an assertion on time

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason=(
        "browser test of the doc site skipped: headless Chromium is not installed "
        f"({CHROMIUM} and {CHROMEDRIVER}; `make browser` installs Debian's chromium "
        "and chromium-driver)"
    ),
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output to the test's own messages."""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built (strict) and served on a free localhost port."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MEDUNION_RULES", raising=False)  # this repository's rules/, which the tests read
        site = build_site(tmp_path_factory.mktemp("served") / "site", strict=True)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:

    profile = tempfile.mkdtemp(prefix="medunion-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _showcase() -> tuple[RuleSet, Rule]:
    """A rule set to read: one with an uncertain reading if any, else the first with parameters."""
    versions = [v[-1] for v in load_rulesets(REPO / "rules").values()]
    with_parameters = [r for r in versions if r.parameters and r.rules]
    assert with_parameters, "no rule set with parameters and rules under rules/"
    uncertain = [
        r for r in with_parameters
        if any(p.status == "uncertain-reading" for p in r.parameters.values())
    ]
    ruleset = (uncertain or with_parameters)[0]
    return ruleset, ruleset.rules[0]


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _click_nav(driver: WebDriver, title: str, href_part: str) -> None:
    """Click the navigation link titled `title` (its target containing `href_part`),
    opening its section first if it is collapsed, as a reader would."""
    links = driver.find_elements(By.CSS_SELECTOR, "nav.md-nav--primary a.md-nav__link")
    matching = [
        a for a in links
        if _normalise(a.get_attribute("textContent") or "") == title
        and href_part in (a.get_attribute("href") or "")
    ]
    # a rule set is listed under its county and under all rule sets (the last, a top-level section)
    assert matching, f"no navigation link titled {title!r} to {href_part}"
    link = matching[-1]
    if not link.is_displayed():
        section = link.find_element(
            By.XPATH, "./ancestor::li[contains(@class, 'md-nav__item--nested')][1]"
        )
        section.find_element(
            By.CSS_SELECTOR, ":scope > div > label.md-nav__link, :scope > label.md-nav__link"
        ).click()
    WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable(link))
    link.click()


def test_navigation_leads_to_a_rule_page_with_its_source_and_parameters(
    base_url: str, browser: WebDriver
) -> None:
    ruleset, rule = _showcase()
    driver = browser
    driver.get(base_url + "en/")  # the English site: the titles below are the English ones
    # the home page → the rule set's section → its version page, by clicking
    _click_nav(driver, ruleset.title, f"/rules/{ruleset.id}/")
    WebDriverWait(driver, WAIT).until(lambda d: f"/rules/{ruleset.id}/" in d.current_url)
    _click_nav(
        driver,
        f"Version {ruleset.version} ({ruleset.status})",
        f"/rules/{ruleset.id}/{ruleset.version}/",
    )
    WebDriverWait(driver, WAIT).until(
        lambda d: d.current_url.rstrip("/").endswith(f"/rules/{ruleset.id}/{ruleset.version}")
    )

    article = driver.find_element(By.CSS_SELECTOR, "article")
    heading = article.find_element(By.ID, rule_anchor(rule.id))
    assert _normalise(heading.text).startswith(_normalise(rule.title))
    quotes = [_normalise(q.text) for q in article.find_elements(By.TAG_NAME, "blockquote")]
    assert _normalise(rule.source) in quotes

    tables = article.find_elements(By.TAG_NAME, "table")
    parameter_tables = [
        t for t in tables
        if [h.text for h in t.find_elements(By.TAG_NAME, "th")][:2] == ["Parameter", "Dated values"]
    ]
    assert len(parameter_tables) == 1
    rows = parameter_tables[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(ruleset.parameters)
    for row, (name, parameter) in zip(rows, ruleset.parameters.items(), strict=True):
        assert row.find_elements(By.ID, parameter_anchor(name))
        assert humanise(name) in row.text
        assert parameter.clause in row.text
        if parameter.status == "uncertain-reading":
            flag = row.find_elements(By.TAG_NAME, "td")[-1]
            assert flag.is_displayed() and "uncertain reading" in flag.text


# English stop words the search index leaves out (lunr's list, the ones of five letters or more)
_STOP_WORDS = frozenset(
    {
        "about", "after", "again", "being", "could", "every", "might", "never", "other",
        "ought", "shall", "should", "since", "their", "there", "these", "those", "through",
        "under", "until", "where", "which", "while", "whose", "would",
    }
)


def _search_word(ruleset: RuleSet, rule: Rule) -> str:
    """The word of the rule's title that the fewest other titles on the site share."""
    titles = [
        r.title for versions in load_rulesets(REPO / "rules").values() for v in versions
        for r in [*v.rules, *v.tables]
    ]
    words = [
        w for w in re.findall(r"[A-Za-z]+", rule.title)
        if len(w) >= 5 and w.lower() not in _STOP_WORDS
    ]
    assert words, f"rule {rule.id} has no searchable word in its title"
    return min(words, key=lambda w: sum(w.lower() in t.lower() for t in titles))


def test_search_finds_a_rule_by_a_word_of_its_title(base_url: str, browser: WebDriver) -> None:
    ruleset, rule = _showcase()
    word = _search_word(ruleset, rule)
    driver = browser
    driver.get(base_url + "en/")
    box = driver.find_element(By.CSS_SELECTOR, "input.md-search__input")
    WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable(box))
    box.click()
    box.send_keys(word)
    path, anchor = f"/en/rules/{ruleset.id}/{ruleset.version}/", rule_anchor(rule.id)
    target = f"{path}#{anchor}"

    def found(d: WebDriver) -> bool:
        """A result links to the rule's own section (highlighting adds a ?h= query).

        The results list is re-rendered while the search runs, so an element read a moment
        ago may be gone: that only means "look again".
        """
        try:
            hrefs = [a.get_attribute("href") or "" for a in d.find_elements(By.CSS_SELECTOR, ".md-search-result a")]
        except StaleElementReferenceException:
            return False
        return any(urlsplit(h).path == path and urlsplit(h).fragment == anchor for h in hrefs)

    WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        found, message=f"search for {word!r} did not list {target}")


def _result_paths(driver: WebDriver) -> list[str] | None:
    """The paths the search results link to, or None while the list is being re-rendered."""
    try:
        return [urlsplit(a.get_attribute("href") or "").path
                for a in driver.find_elements(By.CSS_SELECTOR, ".md-search-result a")]
    except StaleElementReferenceException:
        return None


def _search(driver: WebDriver, url: str, query: str) -> None:
    driver.get(url)
    box = driver.find_element(By.CSS_SELECTOR, "input.md-search__input")
    WebDriverWait(driver, WAIT).until(ec.element_to_be_clickable(box))
    box.click()
    box.send_keys(query)


@pytest.mark.parametrize("query", ["转诊", "报销比例"])
def test_chinese_search_finds_the_rule_sets_about_it(base_url: str, browser: WebDriver, query: str) -> None:
    """The Chinese site's search box, typed in Chinese, lists the Chinese pages of every rule set
    whose Chinese title says it (the referral rule sets for 转诊, the insurance payment for 报销比例)."""
    expected = {
        v.id for versions in load_rulesets(REPO / "rules").values() for v in versions
        if v.title_zh and query in v.title_zh
    }
    assert expected, f"no rule set has {query} in its Chinese title"
    _search(browser, base_url, query)

    def found(d: WebDriver) -> bool:
        paths = _result_paths(d)
        return paths is not None and all(
            any(p.startswith(f"/rules/{ruleset_id}/") for p in paths) for ruleset_id in expected)

    WebDriverWait(browser, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        found, message=f"search for {query} did not list the pages of {sorted(expected)}")


def test_the_language_switch_leads_to_the_same_rule_page_in_english(base_url: str, browser: WebDriver) -> None:
    ruleset, _rule = _showcase()
    page = f"rules/{ruleset.id}/{ruleset.version}/"
    browser.get(base_url + page)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh"
    english = browser.find_element(By.CSS_SELECTOR, '.md-select a[hreflang="en"]')
    browser.execute_script("arguments[0].click()", english)  # the menu opens on hover; the link is what counts
    WebDriverWait(browser, WAIT).until(lambda d: urlsplit(d.current_url).path == f"/en/{page}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert _normalise(ruleset.title) in _normalise(browser.find_element(By.TAG_NAME, "h1").text)


def _cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    import subprocess

    listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def test_a_chinese_rule_page_is_drawn_with_a_cjk_font(
    base_url: str, browser: WebDriver, tmp_path: Path
) -> None:
    """No tofu: the browser reports which installed fonts drew the Chinese title (CDP
    CSS.getPlatformFontsForNode), and every glyph of it came from a CJK font."""
    if not _cjk_font_installed():
        pytest.skip("no Chinese font installed (`make fonts` installs Debian's fonts-noto-cjk)")
    ruleset, _rule = _showcase()
    assert ruleset.title_zh, f"{ruleset.id} has no Chinese title to draw"
    browser.get(base_url + f"rules/{ruleset.id}/{ruleset.version}/")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert ruleset.title_zh in heading.text
    assert browser.save_screenshot(str(tmp_path / "rule-page-zh.png"))
    browser.execute_cdp_cmd("DOM.enable", {})
    browser.execute_cdp_cmd("CSS.enable", {})
    root = browser.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = browser.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": "article h1"})["nodeId"]
    fonts = browser.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cjk = [f for f in fonts if "CJK" in f["familyName"]]
    assert cjk, f"the Chinese title was drawn with {fonts}, no CJK font"
    chinese = sum(1 for c in heading.text if "\u4e00" <= c <= "\u9fff")
    assert sum(f["glyphCount"] for f in cjk) >= chinese, fonts


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(str(values[key]))
        attribute = {"a": "href", "link": "href", "img": "src", "script": "src"}.get(tag)
        if attribute and values.get(attribute):
            self.links.append(str(values[attribute]))


def test_no_internal_link_is_broken(base_url: str) -> None:
    """Every page reachable from the home page, every link and anchor it uses, resolves."""
    pages: dict[str, _Links] = {}
    pending = [base_url]
    broken: list[str] = []
    wanted_anchors: list[tuple[str, str, str]] = []
    checked: set[str] = set()
    while pending:
        url = pending.pop()
        if url in checked:
            continue
        checked.add(url)
        try:
            with urllib.request.urlopen(url) as response:
                body = response.read()
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            broken.append(f"{url}: HTTP {exc.code}")
            continue
        if kind != "text/html":
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        pages[url] = parser
        for link in parser.links:
            target = urljoin(url, link)
            if urlsplit(target).netloc != urlsplit(base_url).netloc:
                continue  # external: not ours to check offline
            bare, fragment = urldefrag(target)
            if fragment:
                wanted_anchors.append((url, bare, fragment))
            if bare not in checked:
                pending.append(bare)
    for source, bare, fragment in wanted_anchors:
        if bare in pages and fragment not in pages[bare].ids:
            broken.append(f"{source}: #{fragment} is not an anchor of {bare}")
    assert len(pages) > 10, "the crawl found too few pages to be the whole site"
    assert not broken, "\n".join(sorted(set(broken)))
