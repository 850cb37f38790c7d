"""What every figure of the report means, printed at its end on the page and in the PDF.

One list, so a figure's name on the page and its definition cannot drift apart: the tests
check that every headline label has its entry here.
"""

from __future__ import annotations

# How a direct message is placed before or after the policy: the report's definition and the
# administrator's page print the same words.
DM_POLICY_RULE = (
    "Answers by direct message are split at the day the direct-message policy was "
    "communicated to the administrator: their own date, else the date for everyone on the "
    "business calendar. An answer counts as after from 00:00 (organisation time) on the next "
    "day; the day itself counts as before, and so does every answer of someone with no date. "
    "The answers after are the documented pattern: direct messages continued after the policy "
    "was communicated."
)

# (term, definition). The week itself is defined in the template, which knows its zone.
DEFINITIONS: list[tuple[str, str]] = [
    (
        "Tickets logged, Tickets resolved",
        "Tickets opened during the period; tickets whose resolved time falls in it, whenever "
        "they were opened. The tier is the ticket's tier now.",
    ),
    (
        "Escalation rate",
        "Of the tickets logged during the period, the share with an Escalate request made "
        "before the period ended (its numerator is “logged tickets escalated”).",
    ),
    (
        "Requests to administrators, Collaborate",
        "Collaborate and Escalate requests made to administrators during the period, "
        "including any withdrawn since; Collaborate: the requests for input among them. One "
        "ticket can have several.",
    ),
    (
        "Answered so far, Still awaiting an answer",
        "Of the requests made during the period: those with an answer of any kind logged by "
        "now, and those still waiting for one now (neither answered, withdrawn nor logged as "
        "no response).",
    ),
    (
        "Escalate requests",
        "The Escalate requests among them (the trend's line): a ticket escalated to two "
        "administrators, or twice, counts each time.",
    ),
    (
        "Escalate requests by agents, Tickets escalated by the clock",
        "Escalate requests made by agents during the period (the same count as Escalate "
        "requests), and tickets that got no first response by their response target and "
        "escalated on their own during it.",
    ),
    (
        "Tickets first escalated",
        "Tickets whose first Escalate request falls in the period, whenever they were "
        "logged: each ticket counts once, in the week it was first escalated.",
    ),
    (
        "MTTA (mean time to acknowledge)",
        "Mean time from a request to an administrator to their first answer of any kind, "
        "over the requests made during the period that have been answered. A logged “no "
        "response” is not an answer.",
    ),
    (
        "MTTE (mean time to escalate)",
        "Mean time from a ticket being opened to its first Escalate request, over the "
        "tickets first escalated during the period.",
    ),
    (
        "First answer (wall clock), First answer (business hours), To first escalation, "
        "To resolve, Over",
        "The times table: from a request to its first answer, in all hours and in business "
        "hours only; from a ticket's opening to its first Escalate request; from opening to "
        "resolution. Over: how many requests or tickets of the period each row is worked out "
        "over.",
    ),
    (
        "Mean, Median, 90th percentile",
        "The mean is the average. Half the times were shorter than the median; nine in ten "
        "were at or under the 90th percentile (the nearest-rank value). Both are worked out "
        "from exact seconds, so a few slow answers move them far less than they move the "
        "mean.",
    ),
    (
        "Business hours",
        "The same time counted only while the business calendar is open (working days and "
        "hours, closures and maintenance windows left out), as the silence deadline is: a "
        "request made on Friday evening and answered early on Monday counts only Monday's "
        "working minutes, not 64 hours.",
    ),
    (
        "Time to resolve",
        "Wall-clock time from opening to resolution, over the tickets resolved in the period.",
    ),
    (
        "Response SLA met, Resolution SLA met",
        "For tickets resolved during the period: response met when the ticket first left "
        "“New” by its response due time; resolution met when it was resolved by its "
        "resolution due time. Each is met as a share of met and breached, leaving out tickets "
        "without a target.",
    ),
    (
        "Open at the end, Breached among them",
        "Tickets opened before the period ended and not resolved by then; breached: those "
        "whose resolution was due before the end.",
    ),
    (
        "No responses logged, declines",
        "Silences and declines without a redirect logged during the period, by the time they "
        "are logged for.",
    ),
    (
        "Re-routed, Redirected",
        "Re-routed: requests the escalation policy moved on to a backup or the next level "
        "after silence during the period (an agent passing a request on makes a new request "
        "instead). Redirected: answers in which the administrator named someone else or a "
        "procedure.",
    ),
    (
        "De-escalated, Withdrawn",
        "De-escalated: tickets taken back from Escalate during the period. Withdrawn: "
        "requests closed without an answer during it (ticket resolved or closed, taken back, "
        "handed on to another administrator), by the time they were withdrawn.",
    ),
    (
        "Responses logged, Accepted, Gave input, Redirected, Declined without redirect, "
        "No response",
        "Every response logged during the period, by the time it is logged for, and by "
        "outcome: the administrator took the ticket, gave input, named someone else or a "
        "procedure, declined naming nobody, or stayed silent past the answer time.",
    ),
    (
        "Urgent requests",
        "Urgent escalations filed by managers during the period.",
    ),
    (
        "Escalate requests by service, by team",
        "Escalate requests made in the period, by the ticket's service and by the team of "
        "the administrator asked (agents have no team in the app). Unanswered: still awaiting "
        "an answer now.",
    ),
    (
        "Open escalations",
        "Escalate requests made before the end of the period with no response of any kind "
        "logged by then, on tickets not yet resolved by then; a request withdrawn after the "
        "end still counts, as it was waiting then.",
    ),
    (
        "Under 1 day, 1 to 3 days, 3 to 7 days, 7 days or more",
        "The open escalations by how long they had been waiting at the end of the period.",
    ),
    (
        "Off-policy direct messages",
        "Answers received by direct message during the period, to requests of any week: "
        "contact outside the ticket and the support channel, which leaves no record others "
        "can see.",
    ),
    (
        "Direct messages before and after the policy",
        "Per administrator, the answers by direct message up to the end of the period. "
        + DM_POLICY_RULE
        + " “After” in the period and the trend count those in the period and in each of the "
        "trend's columns.",
    ),
    (
        "Escalation funnel",
        "The tickets logged in the period, by the furthest stages they reached by its end: "
        "Collaborate (any request to an administrator), Escalate (an Escalate request), "
        "Answered (an administrator answered a request), Resolved. A ticket may skip a stage. "
        "Median time in a stage: until the next stage it reached, or until the end for a "
        "ticket still there. It stalls where most unresolved tickets still sit.",
    ),
    (
        "Knowledge loop",
        "Procedures captured from an administrator's answer, newest first, each with the "
        "tickets logged for its service in the four weeks before and after it and the share "
        "escalated. A lower share after is the service moving from Escalate towards Handle.",
    ),
]

TERMS = [term for term, _ in DEFINITIONS]


def defined(label: str) -> bool:
    """Whether a figure's label has its definition: its own entry, or part of one."""
    return any(label in term.split(", ") or term.startswith(f"{label} (") for term in TERMS)
