"""Let a higher layer add to a page that a lower layer renders.

Imports run one way (``core ← admins ← tickets ← escalations ← reports``), yet the ticket page
shows the hand-off cards and a service's page shows the procedures captured for it. The lower
app declares a ``ContextHooks`` for its page; the higher app registers a provider in its
``AppConfig.ready``; the page calls ``collect`` and merges what comes back into its context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[..., dict[str, Any]]


class ContextHooks:
    def __init__(self, page: str):
        self.page = page
        self._providers: list[Provider] = []

    def register(self, provider: Provider) -> Provider:
        """Add ``provider`` (usable as a decorator); registering it again adds it once."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def collect(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Every provider's context for this page, in the order they were registered."""
        context: dict[str, Any] = {}
        for provider in self._providers:
            context.update(provider(*args, **kwargs))
        return context

    def __repr__(self) -> str:
        return f"<ContextHooks {self.page}: {len(self._providers)} provider(s)>"
