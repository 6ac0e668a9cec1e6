"""The phone at /simulator/mp/: the mini-program's own pages in Chromium (docs/miniprogram.md). The browser tests
of the citizen's side open it here, as one WeChat test user each."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from miniapp_api.citizens.models import Citizen
from miniapp_api.identity.services import apply_verified_identity
from tests.factories import MONDAY_8AM

PHONE = {"width": 375, "height": 667}
DESK = {"width": 900, "height": 900}   # the phone and the tester's panel beside it


def open_phone(page: Page, base: str, openid: str, path: str = "", *, viewport: dict | None = None) -> Locator:
    """The mini-program started for this WeChat user (app.js logs in with the emulator's code), on `path`
    (e.g. "pages/book/index?code=SD0001", as a message's link opens it) or on the home page."""
    page.set_viewport_size(viewport or DESK)
    if page.url.startswith(f"{base}/simulator/mp/"):
        page.goto("about:blank")   # else a URL differing only after '#' would not start the mini-program again
    page.goto(f"{base}/simulator/mp/?openid={openid}" + (f"#/{path}" if path else ""))
    # app.js logs in at launch when this phone holds no token for this user yet (wx.login, then the API).
    page.wait_for_function("() => localStorage.getItem('banshi.mp.banshi.token')")
    phone = page.locator("#mp-phone")
    expect(phone.locator(".mp-page")).not_to_have_count(0)
    return phone


def open_verified_phone(page: Page, base: str, session, cipher, openid: str, name: str, number: str,
                        path: str = "", *, viewport: dict | None = None) -> Locator:
    """A WeChat user whose face check passed (the face check itself is walked in test_mp_pages.py): logged in
    once, verified on the server as a passed check does, then the mini-program opened again on `path`."""
    open_phone(page, base, openid, viewport=viewport)
    citizen = session.scalars(select(Citizen).where(Citizen.openid == openid)).one()
    apply_verified_identity(session, cipher, citizen, real_name=name, id_number=number, now=MONDAY_8AM)
    session.commit()
    return open_phone(page, base, openid, path, viewport=viewport)


def current_page(phone: Locator, path: str) -> Locator:
    """The page on top of the stack, by its path in app.json (pages/…/index)."""
    return phone.locator(f'.mp-page[data-page="{path}"]:not([hidden])')
