from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from escalations.silence import after_scan
        from reports import issued
        from reports.digest import scan_provider

        # The escalations scan sends the weekly digests (core.hooks explains why this way).
        after_scan.register(scan_provider)
        # ... and issues the week that has just ended (reports.issued).
        after_scan.register(issued.scan_provider)
