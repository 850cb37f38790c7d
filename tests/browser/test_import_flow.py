"""A supervisor imports a TDX export in Chromium: upload, preview, import."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SupervisorFactory
from tickets.models import Category, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_upload_preview_import(live_server, page, login, tmp_path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    supervisor = SupervisorFactory(username="sam")
    cat = Category.objects.get(number=1).name
    path = tmp_path / "tdx-export.csv"
    path.write_text(
        "ID,Title,Priority,Category,Created\n"
        f"7001,Laptop will not boot,High,{cat},2026-03-02 09:15\n"
        f"7002,Broken row,Whenever,{cat},2026-03-02 09:15\n"
    )
    login(supervisor, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#import-problems")).to_contain_text("line 3, column Priority")
    page.get_by_label("Skip bad rows").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-result")).to_contain_text("Created 1")
    page.screenshot(path=str(tmp_path / f"import-{width}.png"), full_page=True)
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["7001"]


def test_a_large_import_shows_its_progress_then_the_result(
    live_server, page, login, tmp_path, monkeypatch
):
    from tickets import import_views, importer

    monkeypatch.setattr(import_views, "PROGRESS_FROM", 10)
    monkeypatch.setattr(importer, "BATCH", 10)
    # Each batch made slow enough to watch the page while it is still arriving.
    created_in_bulk = importer.audit.created_in_bulk

    def slowly(*args, **kwargs):
        time.sleep(0.4)
        created_in_bulk(*args, **kwargs)

    monkeypatch.setattr(importer.audit, "created_in_bulk", slowly)
    supervisor = SupervisorFactory(username="sam")
    cat = Category.objects.get(number=1).name
    path = tmp_path / "tdx-export-large.csv"
    rows = "".join(f"{8000 + n},Printer {n},High,{cat},2026-03-02 09:15\n" for n in range(60))
    path.write_text("ID,Title,Priority,Category,Created\n" + rows)
    login(supervisor, PASSWORD)
    page.goto(live_server.url + "/tickets/import/")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Importing tdx-export-large.csv")).to_be_visible()
    progress = page.get_by_role("status")
    # While the page is still arriving, one progress line shows: the latest.
    expect(progress.locator(".import-step")).not_to_have_count(0)
    assert progress.locator("#import-result").count() == 0
    expect(progress.locator(".import-step:visible")).to_have_count(1)
    expect(progress.locator(".import-step:visible")).to_contain_text(" of 60 tickets")
    expect(progress.locator("#import-result")).to_contain_text("Created 60")
    # Then only the result: the progress lines before it are hidden.
    expect(progress.locator(".import-step:visible")).to_have_count(0)
    assert progress.locator(".import-step").count() == 6
    assert Ticket.objects.count() == 60


def test_a_preview_table_too_wide_for_a_phone_scrolls_by_keyboard(
    live_server, page, login, tmp_path
):
    supervisor = SupervisorFactory(username="sam")
    cat = Category.objects.get(number=1).name
    path = tmp_path / "wide.csv"
    long_id = "INC-" + "7" * 24
    path.write_text(
        f"ID,Title,Priority,Category,Created\n{long_id},Unbreakable-{'x' * 60},High,{cat},"
        "2026-03-02 09:15\n"
    )
    login(supervisor, PASSWORD)
    for width, scrolls in ((1366, False), (390, True)):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(live_server.url + "/tickets/import/")
        page.get_by_label("CSV file").set_input_files(str(path))
        page.get_by_role("button", name="Preview").click()
        wrap = page.locator("#import-preview .table-wrap")
        expect(wrap).to_be_visible()
        if not scrolls:
            assert wrap.get_attribute("tabindex") is None
            continue
        # Overflowing: a named region in the Tab order, and the arrow keys scroll it.
        expect(page.get_by_role("region", name="Preview of wide.csv")).to_be_visible()
        wrap.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=wrap.element_handle())
