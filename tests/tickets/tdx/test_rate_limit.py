"""The TDX rate limit is one budget in the cache, shared by every worker (local TDX server)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.tickets.tdx.server import tdx_ticket
from tickets.tdx import client as tdx_client
from tickets.tdx.client import RateLimiter, TdxClient

pytestmark = pytest.mark.django_db
LOOKUP = reverse("tickets:tdx_lookup")
WINDOW = 60 * 20_000.0  # the start of a 60-second window, in seconds since the epoch


@dataclass
class Clock:
    """The wall clock every worker reads; a worker's sleep is recorded and moves it on."""

    now: float

    def __call__(self) -> float:
        return self.now

    def sleeper(self, slept: list[float]):
        def sleep(seconds: float) -> None:
            slept.append(seconds)
            self.now += seconds

        return sleep


def worker(clock: Clock, slept: list[float], *, calls: int = 3) -> TdxClient:
    """A client as another gunicorn worker would make it: its own limiter, the same cache."""
    limiter = RateLimiter(calls, 60, clock=clock, sleep=clock.sleeper(slept))
    return TdxClient(limiter=limiter, sleep=clock.sleeper(slept))


@pytest.fixture(params=["locmem", "database"])
def shared_cache(request, settings):
    """The test cache in memory, or the database cache production uses by default."""
    if request.param == "database":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "tdx_rate_test_cache",
            }
        }
        call_command("createcachetable", verbosity=0)
    return request.param


@pytest.fixture
def lookup_clock(monkeypatch, settings) -> tuple[Clock, list[float]]:
    """The look-up's limiter (from the settings) on a clock the test moves; its sleeps kept."""
    clock, slept = Clock(WINDOW + 10), []
    monkeypatch.setattr(
        tdx_client,
        "shared_limiter",
        lambda: RateLimiter(
            settings.TDX_RATE_LIMIT_CALLS,
            settings.TDX_RATE_LIMIT_SECONDS,
            clock=clock,
            sleep=clock.sleeper(slept),
        ),
    )
    return clock, slept


def test_two_workers_share_one_budget_so_the_second_waits_for_the_next_window(tdx, shared_cache):
    tdx.tickets[1001] = tdx_ticket(1001)
    clock = Clock(WINDOW + 10)
    a_slept: list[float] = []
    b_slept: list[float] = []
    with worker(clock, a_slept) as a, worker(clock, b_slept) as b:
        a.get_ticket(1001)
        a.get_ticket(1001)
        b.get_ticket(1001)  # the 3rd call of the window
        assert b_slept == []
        clock.now += 5
        b.get_ticket(1001)  # B's own 2nd call, the window's 4th
    assert b_slept == [pytest.approx(45.0)]  # until the window that started at WINDOW ends
    assert a_slept == []
    assert clock.now == pytest.approx(WINDOW + 60)
    assert tdx.count("ticket") == 4
    third_server = RateLimiter(3, 60, clock=lambda: WINDOW + 59)
    assert not third_server.try_call("ticket")  # the first window is spent for everyone


def test_a_slot_another_worker_takes_after_it_was_read_free_is_not_given_twice(
    shared_cache, monkeypatch
):
    clock = Clock(WINDOW)
    first, second = RateLimiter(1, 60, clock=clock), RateLimiter(1, 60, clock=clock)
    real_cache = tdx_client.cache
    outcome: dict[str, bool] = {}

    class SecondWorkerInBetween:
        """The cache, but the second worker takes the slot just after the first one read it."""

        def get_many(self, keys):
            found = real_cache.get_many(keys)
            if "second" not in outcome:
                outcome["second"] = False  # first, so the second worker's own read skips this
                outcome["second"] = second.try_call("ticket")
            return found

        def add(self, *args, **kwargs):
            return real_cache.add(*args, **kwargs)

    monkeypatch.setattr(tdx_client, "cache", SecondWorkerInBetween())
    outcome["first"] = first.try_call("ticket")
    assert outcome == {"second": True, "first": False}


def test_the_look_up_says_tdx_is_busy_at_once_when_other_workers_spent_the_budget(
    agent_client, tdx, settings, lookup_clock
):
    clock, slept = lookup_clock
    settings.TDX_RATE_LIMIT_CALLS = 2
    tdx.tickets[4001] = tdx_ticket(4001)
    tdx.tickets[4005] = tdx_ticket(4005)
    with worker(clock, [], calls=2) as other:
        other.get_ticket(4001)
        other.get_ticket(4001)
    response = agent_client.get(LOOKUP, {"external_id": "4005", "title": "My own words"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "TDX is busy" in html and "for the next 50 s): fill in the details by hand" in html
    assert 'value="My own words"' in html
    assert slept == []
    assert tdx.count("ticket") == 2  # the look-up did not reach TDX


def test_the_next_window_frees_the_budget_for_the_look_up(
    agent_client, tdx, settings, lookup_clock
):
    clock, slept = lookup_clock
    settings.TDX_RATE_LIMIT_CALLS = 1
    tdx.tickets[4005] = tdx_ticket(4005)
    with worker(clock, [], calls=1) as other:
        other.get_ticket(4005)
    clock.now = WINDOW + 59.5
    assert "TDX is busy" in agent_client.get(LOOKUP, {"external_id": "4005"}).content.decode()
    clock.now = WINDOW + 60
    html = agent_client.get(LOOKUP, {"external_id": "4005"}).content.decode()
    assert "Filled in from TDX ticket #4005" in html
    assert slept == []
    assert tdx.count("ticket") == 2
