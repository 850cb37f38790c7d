"""An httpx client for the TDX Web API with bounded retries (tenacity) and a rate limiter."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)


class TdxError(Exception):
    """A TDX call failed; the message is safe to show a person (it never holds a secret)."""


class TdxUnavailable(TdxError):
    """TDX kept answering 429/5xx or timing out after every allowed try: stop the run."""


class TdxBadResponse(TdxError):
    """TDX answered something that is not the documented JSON: skip that one item."""


class TdxNotFound(TdxError):
    """TDX has no such ticket (404)."""


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


class TdxBusy(TdxError):
    """The rate limit's budget for this window is spent and the caller chose not to wait."""

    def __init__(self, message: str, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


class RateLimiter:
    """At most ``calls`` per ``period`` seconds for each endpoint, counted in Django's cache, so
    every worker and server (and sync_tdx beside the web) spends one budget: TDX counts per IP
    address, not per process.

    Windows are fixed (``period`` long, counted from the epoch, so every server agrees on
    them) and each of a window's ``calls`` calls is a slot key taken with ``cache.add``. An
    add is atomic on every backend (an INSERT the primary key refuses on the database cache,
    SET NX on Redis), where ``cache.incr`` is not: on the database cache it is a read and then
    a write, so two workers could both count the 5th call. A slot key names its window and is
    never reused; an expired one would be re-added without that guarantee. On the database
    cache a slot is taken in the caller's transaction: call TDX outside ``atomic`` blocks.
    Fixed windows let up to twice ``calls`` through in a ``period`` astride a boundary; a 429
    that causes is retried like any other."""

    def __init__(
        self,
        calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.calls, self.period = calls, period
        self.clock, self.sleep = clock, sleep
        # Long enough that a server whose clock runs a little behind still finds the keys.
        self.ttl = max(1, math.ceil(2 * period))

    def try_call(self, endpoint: str) -> bool:
        """Take one call in the current window; False, taking nothing, when it is full."""
        window = int(self.clock() // self.period)
        keys = [f"tdx-rate:{endpoint}:{self.period:g}:{window}:{n}" for n in range(self.calls)]
        taken = cache.get_many(keys)
        # Another worker may take a free-looking slot first: its add wins, this one moves on.
        return any(key not in taken and cache.add(key, 1, self.ttl) for key in keys)

    def retry_in(self) -> float:
        """Seconds until the next window starts (never 0, so a waiting loop moves on)."""
        now = self.clock()
        return max(0.001, (now // self.period + 1) * self.period - now)

    def wait(self, endpoint: str) -> None:
        """Take one call, sleeping into the next window while this one is full."""
        while not self.try_call(endpoint):
            self.sleep(self.retry_in())


# The JWT lives in process memory only (never the database); it lasts 24 hours, and a 401
# fetches a new one.
_token: dict[str, str] = {}


def shared_limiter() -> RateLimiter:
    """The limiter from the settings; its count lives in the cache, so every instance shares
    it."""
    return RateLimiter(settings.TDX_RATE_LIMIT_CALLS, settings.TDX_RATE_LIMIT_SECONDS)


def forget_token() -> None:
    _token.clear()


class TdxClient:
    """The calls this product makes; every one has a timeout, the rate limit and bounded
    retries. Raises TdxError subclasses only. With ``wait_for_limit=False`` a call the rate
    limit has no room for raises TdxBusy at once instead of sleeping into the next window
    (for a person waiting on a page)."""

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int | None = None,
        wait_for_limit: bool = True,
    ):
        self.attempts = attempts or settings.TDX_MAX_ATTEMPTS
        self.wait_for_limit = wait_for_limit
        self.base = settings.TDX_BASE_URL.rstrip("/") + "/"
        self.app = settings.TDX_APP_ID
        self.limiter = limiter or shared_limiter()
        self.sleep = sleep
        self.http = httpx.Client(
            base_url=self.base,
            timeout=httpx.Timeout(settings.TDX_TIMEOUT_SECONDS),
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TdxClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # The documented calls.

    def get_ticket(self, ticket_id: int | str) -> dict:
        data = self.call("GET", f"api/{self.app}/tickets/{int(ticket_id)}", endpoint="ticket")
        if not isinstance(data, dict):
            raise TdxBadResponse(f"TDX sent something other than a ticket for #{ticket_id}.")
        return data

    def search_tickets(self, criteria: dict) -> list[dict]:
        data = self.call("POST", f"api/{self.app}/tickets/search", json=criteria, endpoint="search")
        if not isinstance(data, list):
            raise TdxBadResponse("TDX's ticket search sent something other than a list.")
        return data

    def get_feed(self, ticket_id: int | str) -> list[dict]:
        data = self.call("GET", f"api/{self.app}/tickets/{int(ticket_id)}/feed", endpoint="feed")
        if not isinstance(data, list):
            raise TdxBadResponse(f"TDX sent something other than a feed for #{ticket_id}.")
        return data

    def add_feed(
        self, ticket_id: int | str, *, comments: str, notify: list[str], private: bool = False
    ) -> dict:
        entry = {
            "Comments": comments,
            "Notify": notify,
            "IsPrivate": private,
            "IsRichHtml": False,
            "IsCommunication": True,
        }
        data = self.call(
            "POST", f"api/{self.app}/tickets/{int(ticket_id)}/feed", json=entry, endpoint="feed_add"
        )
        return data if isinstance(data, dict) else {}

    # Plumbing.

    def call(self, method: str, path: str, *, endpoint: str, json: Any = None) -> Any:
        """One call, retried on 429/5xx/timeouts up to TDX_MAX_ATTEMPTS (waiting Retry-After
        when given, else an exponential back-off), re-authenticating once on a 401."""
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retry),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._send, method, path, endpoint=endpoint, json=json)
        except _Retry as exc:
            raise TdxUnavailable(
                f"TDX did not answer after {self.attempts} tries ({exc.reason})."
            ) from None
        try:
            return response.json()
        except ValueError:
            log.error("TDX sent a body that is not JSON for %s %s", method, path)
            raise TdxBadResponse("TDX sent a reply that could not be read.") from None

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = min(settings.TDX_MAX_BACKOFF_SECONDS, 2.0 ** (state.attempt_number - 1))
        if isinstance(exc, _Retry) and exc.retry_after is not None:
            return min(settings.TDX_MAX_BACKOFF_SECONDS, exc.retry_after)
        return backoff

    def _send(self, method: str, path: str, *, endpoint: str, json: Any) -> httpx.Response:
        response = self._once(method, path, endpoint=endpoint, json=json)
        if response.status_code == 401:
            # The token expired (they last 24 hours) or was revoked: one new one, one more try.
            forget_token()
            response = self._once(method, path, endpoint=endpoint, json=json)
            if response.status_code == 401:
                raise TdxError("TDX refused the connector's sign-in (HTTP 401).")
        if response.status_code == 429:
            log.warning("TDX rate limit reached on %s; backing off", endpoint)
            raise _Retry(
                "HTTP 429, rate limited", retry_after_seconds(response.headers.get("Retry-After"))
            )
        if response.status_code >= 500:
            log.warning("TDX answered HTTP %s on %s", response.status_code, endpoint)
            raise _Retry(
                f"HTTP {response.status_code}",
                retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code == 404:
            raise TdxNotFound("TDX has no such ticket.")
        if response.status_code >= 400:
            raise TdxError(f"TDX refused the request (HTTP {response.status_code}).")
        return response

    def _once(self, method: str, path: str, *, endpoint: str, json: Any) -> httpx.Response:
        token = self.token()
        self._within_limit(endpoint)
        try:
            return self.http.request(
                method, path, json=json, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TimeoutException:
            log.warning("TDX timed out on %s", endpoint)
            raise _Retry("timed out") from None
        except httpx.TransportError as exc:
            log.warning("TDX could not be reached on %s: %s", endpoint, type(exc).__name__)
            raise _Retry("could not connect") from None

    def _within_limit(self, endpoint: str) -> None:
        if self.wait_for_limit:
            self.limiter.wait(endpoint)
        elif not self.limiter.try_call(endpoint):
            retry_in = self.limiter.retry_in()
            log.info("TDX rate limit spent on %s; not waiting %.0f s", endpoint, retry_in)
            raise TdxBusy(
                f"TDX's limit of {self.limiter.calls} calls in {self.limiter.period:g} s is "
                f"used up for the next {math.ceil(retry_in)} s.",
                retry_in,
            )

    def token(self) -> str:
        key = self.base
        if key not in _token:
            _token[key] = self._authenticate()
        return _token[key]

    def _authenticate(self) -> str:
        if settings.TDX_BEID and settings.TDX_WEB_SERVICES_KEY:
            path = "api/auth/loginadmin"
            body = {"BEID": settings.TDX_BEID, "WebServicesKey": settings.TDX_WEB_SERVICES_KEY}
        else:
            path = "api/auth"
            body = {"username": settings.TDX_USERNAME, "password": settings.TDX_PASSWORD}
        self._within_limit("auth")
        try:
            response = self.http.post(path, json=body)
        except httpx.TimeoutException:
            raise TdxUnavailable("TDX's sign-in timed out.") from None
        except httpx.TransportError:
            raise TdxUnavailable("TDX could not be reached to sign in.") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TdxUnavailable(f"TDX's sign-in answered HTTP {response.status_code}.")
        if response.status_code != 200:
            # The body may echo what was sent; it is never logged.
            raise TdxError(
                f"TDX refused the connector's credentials (HTTP {response.status_code})."
            )
        token = response.text.strip().strip('"')
        if not token:
            raise TdxBadResponse("TDX's sign-in returned no token.")
        log.info("Signed in to TDX")
        return token
