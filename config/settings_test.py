"""Test settings: the real settings with a fast password hasher and mail kept in memory."""

from __future__ import annotations

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Off, so a scan in any test does not mail digests depending on the weekday the suite runs;
# tests/reports/test_digest.py turns them on.
WEEKLY_DIGESTS = False
# Likewise: no scan issues reports unless a test turns this on.
SCHEDULED_REPORTS = False
# One process: the cache in memory, emptied before each test (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory, so tests that write from several threads at once see
    # the same locking (WAL, busy timeout, immediate transactions) as the running app.
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"escalation-test-{os.getpid()}.sqlite3")
    }
