"""The browser harness itself: real Chromium fills a Vietnamese form on a live uvicorn server.

If this fails, every page test would fail for the harness's sake, not the page's: it checks the pieces
they rely on — the live server, typing text with diacritics, submitting, reading the result,
full-page and phone screenshots, and that the browser asks for Vietnamese.
"""

from __future__ import annotations

import html
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.browser import DESKTOP, PHONE, Browser, serve_in_thread

NAME = "Nguyễn Thị Hương"
QUESTION = "Công chức có được nhận quà Tết của doanh nghiệp không?"
UNIT = "Sở Nội vụ"
ROWS = 80  # enough lines that the result page is taller than the window: full-page screenshots must show all


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family: sans-serif; margin: 16px">{body}</body></html>""")


async def form(request: Request) -> HTMLResponse:
    return _page("Gửi câu hỏi", """
<h1>Gửi câu hỏi về quy tắc ứng xử</h1>
<form method="post" action="/gui">
  <p><label for="ho_ten">Họ và tên</label><br><input id="ho_ten" name="ho_ten" required></p>
  <p><label for="don_vi">Đơn vị</label><br>
     <select id="don_vi" name="don_vi"><option>UBND xã</option><option>Sở Nội vụ</option></select></p>
  <p><label for="cau_hoi">Câu hỏi</label><br><textarea id="cau_hoi" name="cau_hoi" rows="4" cols="50"></textarea></p>
  <button type="submit" id="gui">Gửi câu hỏi</button>
</form>""")


async def submitted(request: Request) -> HTMLResponse:
    """Parsed by hand (no python-multipart needed): a browser posts a plain form url-encoded in UTF-8."""
    fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
    name, unit, question = (html.escape(fields.get(k, "")) for k in ("ho_ten", "don_vi", "cau_hoi"))
    rows = "".join(f"<li>Dòng thử số {i}</li>" for i in range(1, ROWS + 1))
    return _page("Đã nhận câu hỏi", f"""
<h1 id="ket_qua">Đã nhận câu hỏi</h1>
<p id="nguoi_gui">Người gửi: {name} ({unit})</p>
<p id="cau_hoi">Câu hỏi: {question}</p>
<p id="ngon_ngu">Ngôn ngữ trình duyệt: {html.escape(request.headers.get("accept-language", ""))}</p>
<ol>{rows}</ol>
<p id="cuoi_trang">Cuối trang</p>""")


app = Starlette(routes=[Route("/", form), Route("/gui", submitted, methods=["POST"])])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_in_thread(app) as url:
        yield url


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_chromium_fills_a_vietnamese_form_and_screenshots_the_result(browser: Browser, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    print(f"Chromium started in {browser.started_in:.2f} s")  # shown with -s or -rP: is a per-test browser cheap?
    driver = browser.driver
    desktop = browser.viewport()
    assert desktop[0] == DESKTOP[0]

    driver.get(f"{base_url}/")
    assert driver.title == "Gửi câu hỏi"
    driver.find_element(By.ID, "ho_ten").send_keys(NAME)
    Select(driver.find_element(By.ID, "don_vi")).select_by_visible_text(UNIT)
    driver.find_element(By.ID, "cau_hoi").send_keys(QUESTION)
    form_shot = browser.screenshot("harness-form")
    driver.find_element(By.ID, "gui").click()
    WebDriverWait(driver, 10).until(ec.presence_of_element_located((By.ID, "ket_qua")))

    assert urlsplit(driver.current_url).path == "/gui"
    assert driver.find_element(By.ID, "nguoi_gui").text == f"Người gửi: {NAME} ({UNIT})"
    assert driver.find_element(By.ID, "cau_hoi").text == f"Câu hỏi: {QUESTION}"
    assert driver.find_element(By.ID, "ngon_ngu").text.startswith("Ngôn ngữ trình duyệt: vi")
    assert driver.execute_script("return navigator.language").startswith("vi")

    page_height = browser.page_height()
    assert page_height > DESKTOP[1]  # the point of the full-page screenshot below
    result_shot = browser.screenshot("harness-result")
    for shot in (form_shot, result_shot):
        assert shot.is_file() and shot.stat().st_size > 0
    assert png_size(result_shot) == (DESKTOP[0], page_height)  # the whole page, not the first screen
    assert browser.viewport() == desktop  # and the window is back to its size after

    with browser.phone():
        assert browser.viewport() == PHONE
        phone_shot = browser.screenshot("harness-result-phone", full_page=False)
    assert png_size(phone_shot) == PHONE
    assert browser.viewport() == desktop


def test_serve_in_thread_stops_the_server_and_frees_the_port() -> None:
    with serve_in_thread(app) as url:
        port = urlsplit(url).port
        assert port
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
