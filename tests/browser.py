"""A real browser for tests: headless Debian Chromium driven by Selenium, and a live server to point it at.

Pages are tested the way people use them — typed into, clicked, looked at on a phone — not only by
reading HTML. The browser is the distribution's (`scripts/chromium.sh` installs it in CI) and is started
through an explicit chromedriver path, so Selenium Manager never downloads a browser or driver: the
same versions on every machine, and no network at test time.

    with serve_in_thread(app) as base_url, open_browser(find_chromedriver()) as browser:
        browser.driver.get(base_url + "/")
        browser.screenshot("trang-chu")

Tests normally take the `browser` fixture (tests/conftest.py) instead of calling `open_browser`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMEDRIVER_ENV = "CONDUCT_CHROMEDRIVER"
CHROMIUM_ENV = "CONDUCT_CHROMIUM"  # optional: a browser binary other than the one chromedriver finds
SCREENSHOTS_ENV = "CONDUCT_SCREENSHOTS"
DEFAULT_SCREENSHOTS = ROOT / "artifacts" / "screenshots"

DESKTOP = (1280, 900)
PHONE = (390, 844)  # a common phone's CSS viewport (iPhone 12–15): where narrow layouts break
# Chromium will not draw a bigger surface than this; a longer page is cut rather than the screenshot failing.
MAX_SCREENSHOT_HEIGHT = 16_000

CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers have a tiny /dev/shm; Chromium crashes on big pages without this
    "--disable-quic",
    "--no-first-run",
    # Nothing but the page under test touches the network: no update checks, sync or component downloads.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    "--lang=vi",
)
# --lang alone does not reach navigator.language or Accept-Language in headless mode; this preference does.
ACCEPT_LANGUAGES = "vi-VN,vi"


def find_chromedriver() -> str | None:
    """CONDUCT_CHROMEDRIVER (what scripts/chromium.sh printed) or chromedriver on PATH; None if neither runs.

    An empty CONDUCT_CHROMEDRIVER means the script found nothing, so PATH is still worth a look.
    """
    configured = os.environ.get(CHROMEDRIVER_ENV, "").strip()
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    return shutil.which("chromedriver")


def chromium_options(profile_dir: Path) -> Any:
    """The options every test browser starts with; a fresh profile so no test sees another's cookies."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_experimental_option("prefs", {"intl.accept_languages": ACCEPT_LANGUAGES})
    if binary := os.environ.get(CHROMIUM_ENV, "").strip():
        options.binary_location = binary
    return options


def screenshots_dir() -> Path:
    return Path(os.environ.get(SCREENSHOTS_ENV) or DEFAULT_SCREENSHOTS)


@dataclass
class Browser:
    """One running Chromium: the Selenium `driver`, plus what page tests keep needing around it."""

    driver: Any  # selenium.webdriver.Chrome; Any so importing this module does not need selenium
    screenshots: Path
    started_in: float  # seconds from launching chromedriver to a browser ready for commands

    def viewport(self) -> tuple[int, int]:
        width, height = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        return int(width), int(height)

    def set_viewport(self, width: int, height: int) -> None:
        """Size the page area, not the window: headless Chromium still draws ~140 px of browser chrome,
        and layouts (media queries, what is above the fold) depend on the page area alone."""
        window = self.driver.get_window_size()
        inner_width, inner_height = self.viewport()
        self.driver.set_window_size(width + window["width"] - inner_width, height + window["height"] - inner_height)

    @contextmanager
    def window(self, width: int, height: int) -> Iterator[Browser]:
        """Page area `width`×`height` inside the block; the previous window size after it, even on failure."""
        before = self.driver.get_window_size()
        self.set_viewport(width, height)
        try:
            yield self
        finally:
            self.driver.set_window_size(before["width"], before["height"])

    @contextmanager
    def phone(self) -> Iterator[Browser]:
        """`with browser.phone(): …` — the page as a 390×844 phone screen sees it, then back to desktop."""
        with self.window(*PHONE):
            yield self

    def page_height(self) -> int:
        return int(self.driver.execute_script(
            "return Math.max(document.body ? document.body.scrollHeight : 0,"
            " document.documentElement.scrollHeight)"))

    @contextmanager
    def full_page(self) -> Iterator[Browser]:
        """Make the page area as tall as the page (document.body.scrollHeight) for the block, so a
        screenshot shows the whole page — a form's submit button or an error below the fold included."""
        width, height = self.viewport()
        with self.window(width, min(max(self.page_height(), height), MAX_SCREENSHOT_HEIGHT)):
            yield self

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        """Save `<screenshots>/<name>.png` (the whole page unless full_page=False) and return its path.

        Kept after the run (artifacts/ is what CI uploads) so a person can look at what the test saw.
        """
        safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "screenshot"
        path = self.screenshots / f"{safe}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if full_page:
            with self.full_page():
                saved = self.driver.save_screenshot(str(path))
        else:
            saved = self.driver.save_screenshot(str(path))
        if not saved:
            raise RuntimeError(f"Chromium did not save the screenshot {path}")
        return path


@contextmanager
def open_browser(chromedriver: str, screenshots: Path | None = None) -> Iterator[Browser]:
    """Start headless Chromium through `chromedriver` with a throwaway profile; quit it and delete the profile after."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="conduct-chromium-"))
    try:
        started = time.perf_counter()
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=chromium_options(profile))
        browser = Browser(driver, screenshots or screenshots_dir(), time.perf_counter() - started)
        try:
            yield browser
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- a live server for the browser


@contextmanager
def serve_in_thread(app: Any, **config: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port in a background thread; yield its base URL.

    The socket is bound here, before the server starts, so the port cannot be taken in between and the
    URL is known at once. The app's lifespan (startup/shutdown) runs as in production. `config` goes to
    `uvicorn.Config` (e.g. lifespan="off"). The server is stopped and its thread joined on exit.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings: dict[str, Any] = {"log_level": "warning", "access_log": False, "lifespan": "auto", **config}
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the test below instead of dying silently in the thread
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                reason = repr(errors[0]) if errors else "it stopped or did not start within 30 s"
                raise RuntimeError(f"the test server on port {port} did not start: {reason}")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
