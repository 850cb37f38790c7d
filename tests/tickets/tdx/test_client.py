"""The TDX client against a local server: sign-in, token expiry, 429, 5xx, timeouts, bodies."""

from __future__ import annotations

import logging
import time

import pytest

from tests.tickets.tdx.server import BEID, KEY, tdx_ticket
from tickets.tdx.client import (
    RateLimiter,
    TdxBadResponse,
    TdxClient,
    TdxError,
    TdxNotFound,
    TdxUnavailable,
    retry_after_seconds,
)


def client_with(sleeps: list[float], **kwargs) -> TdxClient:
    limiter = RateLimiter(60, 60, sleep=sleeps.append)
    return TdxClient(limiter=limiter, sleep=sleeps.append, **kwargs)


def test_get_ticket_signs_in_with_beid_and_key_and_sends_the_bearer_token(tdx, httpserver):
    tdx.tickets[1001] = tdx_ticket(1001)
    with client_with([]) as client:
        assert client.get_ticket(1001)["Title"] == "VPN drops every hour (1001)"
        client.get_ticket(1001)
    assert tdx.count("auth") == 1  # the token is reused
    request = httpserver.log[-1][0]
    assert request.headers["Authorization"] == f"Bearer {tdx.tokens[0]}"


def test_an_expired_token_signs_in_again_once_and_the_call_succeeds(tdx):
    tdx.tickets[1001] = tdx_ticket(1001)
    with client_with([]) as client:
        client.get_ticket(1001)
        tdx.expire_tokens()  # TDX tokens last 24 hours
        assert client.get_ticket(1001)["ID"] == 1001
    assert tdx.count("auth") == 2
    assert tdx.count("ticket") == 3


def test_refused_credentials_stop_with_a_message_naming_no_secret(tdx, settings):
    settings.TDX_WEB_SERVICES_KEY = "wrong-key-00000000"
    with client_with([]) as client, pytest.raises(TdxError) as caught:
        client.get_ticket(1001)
    assert "HTTP 401" in str(caught.value)
    assert "wrong-key" not in str(caught.value)


def test_429_waits_for_retry_after_then_succeeds(tdx, settings):
    settings.TDX_MAX_BACKOFF_SECONDS = 60
    tdx.tickets[1001] = tdx_ticket(1001)
    tdx.faults["ticket"] = [(429, {"Retry-After": "7"}, "{}")]
    sleeps: list[float] = []
    with client_with(sleeps) as client:
        assert client.get_ticket(1001)["ID"] == 1001
    assert sleeps == [7.0]


def test_5xx_backs_off_within_the_bound_then_stops_cleanly(tdx, settings):
    settings.TDX_MAX_ATTEMPTS = 3
    tdx.faults["ticket"] = [(500, {}, "{}")] * 5
    sleeps: list[float] = []
    with client_with(sleeps) as client, pytest.raises(TdxUnavailable) as caught:
        client.get_ticket(1001)
    assert "after 3 tries" in str(caught.value) and "HTTP 500" in str(caught.value)
    assert tdx.count("ticket") == 3
    assert len(sleeps) == 2
    assert len(tdx.faults["ticket"]) == 2  # the server was not asked again


def test_a_call_that_hangs_times_out_and_is_retried_within_the_bound(tdx, settings, caplog):
    settings.TDX_TIMEOUT_SECONDS = 0.2
    settings.TDX_MAX_ATTEMPTS = 2

    tdx.delay = 0.6
    started = time.monotonic()
    with client_with([]) as client, pytest.raises(TdxUnavailable) as caught:
        client.search_tickets({"MaxResults": 10})
    assert "timed out" in str(caught.value)
    assert time.monotonic() - started < 5
    # Two tries, each cut off by the timeout (the single-threaded server is still asleep).
    assert caplog.text.count("TDX timed out on search") == 2


def test_a_body_that_is_not_json_is_a_bad_response_and_logged(tdx, caplog):
    tdx.faults["ticket"] = [(200, {}, "<html>maintenance</html>")]
    with client_with([]) as client, pytest.raises(TdxBadResponse):
        client.get_ticket(1001)
    assert "not JSON" in caplog.text


def test_a_missing_ticket_is_not_found(tdx):
    with client_with([]) as client, pytest.raises(TdxNotFound):
        client.get_ticket(424242)


def test_secrets_never_reach_the_logs(tdx, caplog):
    caplog.set_level(logging.DEBUG)
    tdx.tickets[1001] = tdx_ticket(1001)
    tdx.faults["ticket"] = [(503, {}, "{}")]
    with client_with([]) as client:
        client.get_ticket(1001)
        tdx.expire_tokens()
        client.get_ticket(1001)
    assert caplog.records  # the sign-in, the 503 and httpx's request lines were logged
    for secret in (BEID, KEY, *tdx.tokens):
        assert secret not in caplog.text


def test_the_rate_limiter_waits_once_the_window_is_full():
    now = [0.0]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(60, 60, clock=lambda: now[0], sleep=sleep)
    for _ in range(60):
        limiter.wait("ticket")
        now[0] += 0.5
    assert waited == []
    limiter.wait("ticket")  # the 61st within 60 s
    assert waited == [pytest.approx(30.0)]
    limiter.wait("search")  # another endpoint has its own window
    assert len(waited) == 1


def test_retry_after_as_an_http_date():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("soon") is None
