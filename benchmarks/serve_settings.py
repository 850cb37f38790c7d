"""The production settings (config.settings, driven by the same environment variables), with
the collected static files in a temporary folder, so a load run leaves the checkout's
``staticfiles/`` alone. Used only by benchmarks.load."""

from __future__ import annotations

import os
from pathlib import Path

from config.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
