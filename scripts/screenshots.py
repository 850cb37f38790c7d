"""Screenshots of the main pages at laptop and phone widths, for a person to look at.

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUTPUT_DIR]
Needs a running server with the demo data (make run).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
]
PAGES = {
    # "FIRST:<list>" opens the first linked row of that list's main table.
    "agent": [
        "/",
        "/tickets/",
        "/tickets/new/",
        "FIRST:/tickets/",
        "FIRST:/tickets/?tier=escalate&open_only=on",
        "/guide/",
        "/guide/checklist/",
        "/tickets/?sla=breached",
        "/notifications/",
        "/urgent/",
    ],
    "supervisor": [
        "/guide/key-principles/history/",
        "/admins/",
        "/admins/1/",
        "/admins/purview/",
        "/admins/services/1/",
        "/sla/",
        "/sla/calendar/",
        "FIRST:/urgent/",
    ],
    "manager": ["/", "/urgent/new/", "/reports/weekly/", "FIRST:/reports/weekly/"],
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for user, paths in PAGES.items():
            for name, size in {"laptop": (1366, 900), "phone": (390, 844)}.items():
                page = browser.new_page(viewport={"width": size[0], "height": size[1]})
                page.goto(f"{BASE}/accounts/login/")
                page.fill("#id_username", user)
                page.fill("#id_password", "demo-pass-2026")
                page.click("button[type=submit]")
                for path in paths:
                    if path.startswith("FIRST:"):
                        page.goto(BASE + path.removeprefix("FIRST:"))
                        path = page.locator("main table tbody a").first.get_attribute("href")
                    page.goto(BASE + path)
                    slug = path.strip("/").replace("/", "_") or "dashboard"
                    page.screenshot(path=OUT / f"{user}-{slug}-{name}.png", full_page=True)
                page.close()
        browser.close()


if __name__ == "__main__":
    main()
