"""What the ticket workflow announces to the layers above it.

``tickets`` sits below ``escalations`` and must not import it, yet a ticket that is finished, or
a business calendar that changes, matters to the hand-offs on those tickets. The workflow sends
these signals inside its transaction; the receivers (``escalations.handoffs.receivers``) call
hand-off services, so their writes commit or roll back with the ticket's own.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``ticket``, ``reason`` (e.g. "Ticket resolved.") and ``by`` when a ticket is
# resolved or closed: nobody should still be waiting on an administrator for it.
ticket_finished = Signal()

# Sent with ``ticket`` (already in its new tier), ``before`` (the tier it left), ``reason`` and
# ``by`` when ``Ticket.set_tier`` moves it: what awaited an answer in the tier it left is
# withdrawn.
tier_left = Signal()

# Sent with ``tickets`` (a queryset of open tickets) and ``cal`` (the calendar now in force)
# after their SLA clocks were recomputed for a changed calendar or target.
clocks_recomputed = Signal()

# Sent by sync_tdx with ``client`` (a signed-in tickets.tdx.client.TdxClient) and ``now`` after
# a run that reached TDX: the hand-offs read the feeds of tickets whose requests await an
# answer. Receivers return a count of what they recorded.
tdx_synced = Signal()

# Sent by sync_tdx, inside its transaction, with ``ticket``, ``uid`` (TDX's ResponsibleUid) and
# ``at`` when TDX names a new responsible person for the ticket: an administrator asked to take
# the ticket over who became responsible has accepted.
tdx_responsible_changed = Signal()
