"""The entry point gunicorn loads."""

from __future__ import annotations

import gc
import importlib


def test_the_served_app_keeps_its_start_up_objects_out_of_the_collectors_way():
    gc.unfreeze()
    try:
        wsgi = importlib.reload(importlib.import_module("config.wsgi"))
        assert callable(wsgi.application)
        # Frozen objects are skipped by full collections, the pauses that slowed about one
        # weekly report in fifteen.
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
