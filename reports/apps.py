from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from core import audit
        from escalations.silence import after_scan
        from reports import governance, issued
        from reports.digest import scan_provider

        # The escalations scan sends the weekly digests (core.hooks explains why this way).
        after_scan.register(scan_provider)
        # ... and the notices of governance thresholds crossed.
        after_scan.register(governance.scan_provider)
        audit.track("reports.GovernanceThreshold")
        audit.track("reports.ReportSubscription")
        # The demo data gets a governance threshold or two.
        from escalations.demo.unanswered import after_seed

        after_seed.register(governance.demo_provider)
        # ... and issues the week that has just ended (reports.issued).
        after_scan.register(issued.scan_provider)
        # ... and mails it to its subscribers at the configured time (reports.subscriptions).
        from reports import subscriptions

        after_scan.register(subscriptions.scan_provider)
        after_seed.register(subscriptions.demo_provider)
