"""The invented wording and the rates of the demo: names, titles, messages, tips and shares."""

from __future__ import annotations

from escalations.urgent.models import UrgentStep

DEPARTMENTS = [
    "Finance",
    "Human Resources",
    "Research",
    "Communications",
    "Operations",
    "Programs",
    "Legal",
    "Facilities",
    "Executive Office",
    "Evaluation",
]

FIRST = "Alex Blair Casey Devon Elliot Frankie Harper Jamie Kai Logan Noel Parker".split()
LAST = "Adler Brooks Castillo Dube Evans Fischer Garcia Holm Iqbal Jensen Lopez".split()

TITLES = [
    "Cannot sign in after password reset",
    "Shared mailbox missing from Outlook",
    "VPN disconnects every few minutes",
    "Printer on floor 3 shows offline",
    "Request access to the finance reports folder",
    "Laptop will not boot after update",
    "New hire needs accounts and laptop",
    "Wi-Fi drops in conference room B",
    "Video call room display has no signal",
    "Multi-factor prompt never arrives",
    "Install statistics software",
    "File share permissions wrong after team move",
    "Calendar invitations not delivered",
    "Expense report page times out",
    "Request a loaner laptop for travel",
    "Phone extension forwards to wrong voicemail",
]

# (tag, reason) for escalations.
ESCALATION_GROUNDS = [
    ("Access", "It needs administrator rights on the service, which we do not have."),
    ("Outage", "The first-line steps did not help and several people are affected."),
    ("Configuration", "The fix is a change to the service's configuration."),
    ("Security", "It may be a security matter, so the owner should decide."),
    ("No procedure", "No saved procedure covers this kind of request."),
    ("Data recovery", "The data has to come back from a backup only administrators can reach."),
    ("Licence", "It needs a licence the support center cannot assign."),
]
ESCALATION_MESSAGES = [
    "Hi {admin}, we are handing ticket #{ticket} to you ({service}). The checklist is done and "
    "what we found is in the ticket. Once it is sorted, could you tell us what the support "
    "center can do itself the next time a request like this comes in?",
    "{admin}, ticket #{ticket} needs an owner for {service}; everything we tried is in the "
    "ticket. Is there a process we could follow next time, so a request like this does not "
    "have to reach you?",
    "Hello {admin}, passing #{ticket} over to you for {service}. Please take ownership. If "
    "part of this is something we could safely do ourselves next time, tell us how and we "
    "will write it up as a procedure.",
    "Hi {admin}, #{ticket} is beyond what the support center can do for {service}. Could you "
    "take it from here, and let us know which steps we could handle next time?",
]
COLLABORATION_REASONS = [
    "",
    "",
    "We cannot tell whether this is a fault or a setting.",
    "The requester asks about something we have not seen before.",
]
COLLABORATION_MESSAGES = [
    "Hi {admin}, we are keeping ticket #{ticket} but need your input on {service}: is this "
    "expected, and what should we check first next time?",
    "{admin}, a quick question on #{ticket} ({service}): can you point us to the right "
    "setting or procedure? If we could answer this ourselves next time, please say how.",
    "Hello {admin}, could you read the notes on #{ticket}? We only need a pointer; the "
    "support center stays the owner. A line on how to handle it next time would help too.",
]
HANDOVER_MESSAGE = (
    "Hi {admin}, {previous} has not answered on #{ticket} ({service}) for two days, so we are "
    "handing it to you. Could you take ownership? If there is a way the support center could "
    "deal with this kind of request itself next time, please tell us."
)
NO_SERVICE = "an unlisted system"

# What admins say the support center can do itself next time, per service: (title, steps).
# Some are saved as procedures the first time they are said.
TIPS = {
    "Email and calendar": [
        (
            "Give a person access to a shared mailbox",
            [
                "Check that the mailbox's manager approved the request in the ticket.",
                "Add the person under Delegates in the mail console, with read and send-as.",
                "Tell them the mailbox can take an hour to appear in Outlook.",
            ],
        ),
        (
            "Find a calendar invitation that was not delivered",
            [
                "Run a message trace for the organiser's address over the last two days.",
                "If the trace shows delivery, check the recipient's junk folder and rules.",
                "Ask the organiser to send it again from the web calendar.",
            ],
        ),
    ],
    "Single sign-on": [
        (
            "Reset multi-factor sign-in",
            [
                "Confirm who the person is on a video call, with their staff card.",
                "Clear their sign-in methods in the help-desk view of the identity portal.",
                "Stay on the call while they register a new method.",
            ],
        ),
        (
            "Unlock an account after too many failed sign-ins",
            [
                "Check the sign-in log for attempts from unusual places; escalate if any.",
                "Unlock the account in the help-desk view.",
                "Ask the person to choose a new password at the next sign-in.",
            ],
        ),
    ],
    "File storage": [
        (
            "Fix folder permissions after a team move",
            [
                "Ask the folder's data owner to confirm who should have access.",
                "Change the person's team group in the directory, not the folder itself.",
                "Wait for the nightly sync, or ask the person to sign out and in again.",
            ],
        ),
        (
            "Restore a deleted file from the last 30 days",
            [
                "Open the share's recycle view with the support center account.",
                "Restore the file to its original folder and tell the requester.",
                "Escalate only when the file is older than 30 days.",
            ],
        ),
    ],
    "VPN": [
        (
            "Reinstall the VPN profile on a laptop",
            [
                "Remove the VPN profile from the laptop's settings.",
                "Install it again from the software centre.",
                "Test the connection from outside the office network, for example a phone hotspot.",
            ],
        ),
    ],
    "Wi-Fi": [
        (
            "Register a device on the guest network",
            [
                "Create a guest pass in the visitor portal for the length of the visit.",
                "Send the pass to the host, not the visitor.",
                "Staff devices go on the staff network instead; do not issue them guest passes.",
            ],
        ),
    ],
    "Finance system": [
        (
            "Give read access to the finance reports",
            [
                "Check the budget holder approved it in the ticket.",
                "Add the person to the report readers role in the finance system's user screen.",
                "Anything beyond read access goes to the owner.",
            ],
        ),
    ],
    "Laptops and desktops": [
        (
            "Recover a laptop that fails to start after an update",
            [
                "Start it in recovery mode and undo the latest update.",
                "Once it starts, pause updates for a week and note the model in the ticket.",
                "Escalate when more than three laptops of one model fail the same way.",
            ],
        ),
        (
            "Prepare a loaner laptop",
            [
                "Take one from the loaner shelf and sign it out in the asset list.",
                "Sign in once with the person's account so their profile is ready.",
                "Set the return date in the ticket and a reminder for the day before.",
            ],
        ),
        (
            "Install software from the approved catalogue",
            [
                "Check the software is in the approved catalogue.",
                "Push it to the laptop from the device management console.",
                "Anything not in the catalogue needs the owner and a licence check.",
            ],
        ),
    ],
}
GENERAL_NEXT_TIME = [
    "Check the service status page first; if it shows an incident, link the ticket there.",
    "Ask in the support channel with the ticket number before writing to me directly.",
    "Ask the requester for the exact error message and a screenshot up front.",
    "Collect the client's log file before escalating; it is usually the first thing I need.",
    "This one really needs an admin: escalate straight away next time.",
]
REDIRECT_DETAILS = [
    "The self-service password page on the staff portal",
    "The vendor's support line; the contract is in the IT shared drive",
    "The facilities desk, which looks after the room equipment",
    "The saved procedure for this service in the dashboard",
    "The access request form that the data owner approves",
]
RESPONSE_NOTES = [
    "Answered in the thread under our post in the support channel.",
    "Said they will follow up with the requester directly.",
    "Asked us to add the device name to the ticket.",
    "Was on leave; the auto-reply named the backup.",
]
SILENCE_NOTES = [
    "",
    "",
    "No answer after two working days.",
    "Reminder sent in the support channel; still no answer.",
]

# The SLA mix: shares of first responses and of resolutions that come after their due time.
LATE_RESPONSE = 0.05
LATE_RESOLUTION = 0.12
# Of the tickets waiting on someone outside the support center, the share waiting on a vendor.
WAITING_ON_VENDOR = 0.3
# Left for the first check_sla run after seeding: (fewest, most) of each kind.
UNSENT_NOTICES = (3, 5)
UNLOGGED_SILENCES = (2, 4)
# Tests clear a small seed by deleting its tickets, which urgent requests and notifications
# protect; a demo worth showing is larger than this anyway.
SHOWCASE_MIN_TICKETS = 200

# (business impact, why the SLA is not enough) for urgent requests.
URGENT_GROUNDS = [
    (
        "The finance team cannot approve this month's payments until the folder opens again.",
        "The payment run closes on Friday, before the resolution target.",
    ),
    (
        "Twelve people in one unit cannot sign in, so a report due to the board is stalled.",
        "Half a team is blocked; waiting out the target costs two working days for each of them.",
    ),
    (
        "The slides for tomorrow morning's partner meeting are on the laptop that will not start.",
        "The meeting is tomorrow, well inside the resolution target.",
    ),
    (
        "Three new colleagues start on Monday and would arrive without accounts or laptops.",
        "The start date is fixed; the standard target ends after it.",
    ),
    (
        "The large meeting room cannot host the all-staff call.",
        "The call is in two days and cannot be moved.",
    ),
    (
        "The only person who checks payroll works remotely this week and cannot connect.",
        "Payroll has to be checked by Wednesday.",
    ),
    (
        "Legal needs files back from a backup for a filing due in three days.",
        "The filing deadline is fixed; the normal priority would miss it.",
    ),
    (
        "The shared enquiries mailbox is gone for the whole communications team.",
        "Enquiries pile up unanswered in the busiest week of the campaign.",
    ),
]
URGENT_STEP_NOTES = {
    UrgentStep.HISTORY_REVIEWED: "Read the timeline and the admin's last answer; the escalation "
    "had everything it needed.",
    UrgentStep.USER_CONTACTED: "Called the requester: confirmed who is affected and by when it "
    "has to work.",
    UrgentStep.STATUS_COMMUNICATED: "Wrote to the requester with where things stand and when "
    "the next update comes.",
    UrgentStep.OWNER_CONTACTED: "Asked the service owner to put this ahead of planned work; "
    "they agreed.",
    UrgentStep.FOLLOW_UP_DOCUMENTED: "Noted in the ticket what made this urgent and what "
    "unblocked it.",
}
URGENT_OUTCOMES = [
    "Fixed the same day; the requester confirmed everything works.",
    "The owner restored access within two hours and the deadline was met.",
    "A loaner laptop bridged the gap until the repair was done.",
    "Resolved before the meeting; the fix is saved as a procedure for next time.",
    "Not faster in the end: the vendor needed a day. The requester was kept informed and "
    "agreed to wait.",
]
