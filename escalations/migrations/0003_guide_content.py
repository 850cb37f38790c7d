from __future__ import annotations

from django.db import migrations

from core.roles import sync_role_permissions
from escalations.guide.markdown import render

SECTIONS = [
    (
        "core-framework",
        "Core framework: three tiers",
        """
Every ticket the support center works falls into one of three tiers.

| Tier | What it means | What the agent does in the ticketing system |
| --- | --- | --- |
| **Handle** | The support center resolves it on its own; no administrator is involved. | Work it, resolve it and close it as usual. |
| **Collaborate** | The support center keeps ownership and asks an administrator for input. | Add the administrator as a participant, talk only through the ticket, stay responsible, and log the reply or the silence. |
| **Escalate** | The issue is outside the support center's scope and ownership moves to an administrator. | Complete the pre-escalation checklist, then transfer with a tag, a reason and the meta-protocol message; log the reply or the silence. |

The Collaborate tier turns informal side-channel help into something on record, and gives an
administrator a lighter way to help without taking the whole ticket.

The **meta-protocol message** is the question every escalation ends with: *what process can the
support center follow the next time a ticket like this arrives?*
""",
    ),
    (
        "key-principles",
        "Key principles",
        """
- **Repeat the framework often.** Mention it in team meetings, informal conversations and
  one-to-ones with other supervisors until it is simply how work is routed.
- **Offer a process, not a playbook.** A process is a routing rule anyone can follow ("if a
  ticket is not yours, send it to the named owner"). A playbook is a document people can argue
  with.
- **An outside view helps.** Saying "this is how escalation works in most organisations" gives
  context; it is not a criticism.
- **Administrators define their own purview.** The support center does not decide what
  administrators are responsible for, and should not try to; it asks them to declare it.
""",
    ),
    (
        "strategic-notes",
        "Strategic notes",
        """
### The posture

- Own the process that produces the framework rather than trying to deliver the framework.
- A runbook written by the support center is owned by the support center, and anyone who
  dislikes it can say they never agreed to it.
- When administrators declare their own purview, responsibility for any gap stays with them.
- Silence does not block the work: it becomes documented evidence of who engages and who does
  not.

### When complaints reach senior management

- Expect administrators' complaints to travel upwards, with pressure on the support center to
  absorb them rather than apply the framework.
- Answer with process: routing follows what has been documented, and anyone who wants different
  handling is welcome to send their preferred process.
- Every change to the framework should trace back to input an administrator gave, or to a
  documented gap. The support center does not guess at administrators' responsibilities.
""",
    ),
    (
        "communication-policy",
        "Communication policy",
        """
A large share of support traffic goes around the ticketing system as direct chat messages to
administrators. That leaves gaps in the record and lets work happen by private arrangement.

**Policy:** any IT question that would have gone to an administrator directly goes to the
designated IT support channel instead, without exception.

Why it helps:

- informal traffic is captured instead of leaking out of the system;
- an unanswered question in a shared channel is visible to everyone;
- the audit trail fills the ownership matrix with real patterns;
- nobody can work by private arrangement without accountability.

Applying it:

- The support center can adopt this on its own; it does not need administrators' agreement.
- Present it as routing IT questions through the support channel to improve visibility and
  response tracking.
- Once the policy has been communicated, continued use of direct messages is a documented
  pattern; log it with the channel "direct message".
- Reluctance to be on record is context worth passing to the responsible manager.
""",
    ),
    (
        "itil-mapping",
        "ITIL grounding",
        """
The framework follows established ITIL practice, which presents it as the industry norm rather
than an internal initiative.

| ITIL practice | Why it matters here |
| --- | --- |
| Escalation management | ITIL expects clear support tiers with documented criteria for moving between them; an undefined boundary between the support center and administrators is a classic incident-management gap. |
| Incident vs. request fulfilment | Incidents are things that broke; service requests are standard tasks. Many disputes are about requests that should have a documented procedure the support center can follow. |
| Knowledge management | Declining to document how something is handled goes against knowledge management. The meta-protocol question is knowledge capture. |
| Service ownership | Every service has an owner who defines how its support requests are handled. Rejecting a ticket without redirecting it fails that duty. |
| Admin accounts for the support center (anti-pattern) | Handing the support center admin-level access to make up for slow responses bypasses access control and signals a broken process, not a fix. |

When an administrator pushes back, ask whether the alternative is ITIL-aligned and name the
practice. ITIL does not need unanimous agreement to set a process; it needs service owners to
define their handling procedures.
""",
    ),
]

SCENARIOS = [
    (
        "Asking an administrator for input while keeping the ticket",
        "collaborate",
        "Hi {admin}, I've added you to ticket {ticket} as a participant. Could you advise on the "
        "question below? The support center keeps ownership; please reply in the ticket so the "
        "answer stays on record.",
    ),
    (
        "Escalating with the meta-protocol question",
        "escalate",
        "Hi {admin}, ticket {ticket} about {service} needs your team. We completed the "
        "pre-escalation checklist (summary below) and are transferring ownership to you. Could you "
        "also tell us what process the support center can follow the next time a ticket like this "
        "comes in?",
    ),
    (
        "Someone sends an IT question as a direct message",
        "",
        "Thanks for reaching out. To keep requests visible and tracked, please post this in the IT "
        "support channel or reply on ticket {ticket}, and we'll pick it up there.",
    ),
    (
        "A ticket comes back without a redirect",
        "escalate",
        "Ticket {ticket} was returned without a redirect. Who owns {service}, or which documented "
        "procedure should the support center follow for it?",
    ),
    (
        "No reply after the agreed time",
        "escalate",
        "Following up on ticket {ticket}: we haven't heard back yet. Under the escalation process it "
        "goes to the backup owner for {service} if there is no reply soon.",
    ),
    (
        "An administrator objects to how tickets are routed",
        "",
        "I'm routing based on what has been documented. If you'd like tickets like this handled "
        "differently, send me the process you prefer and I'll put it in place.",
    ),
    (
        "Asking an administrator to declare their purview",
        "",
        "Could you confirm which services you consider yours, and who backs you up? We'll route "
        "tickets according to what you declare.",
    ),
    (
        "A proposal to give the support center admin accounts",
        "",
        "Giving the support center admin-level access to work around response gaps is a known ITIL "
        "anti-pattern. We'd rather agree a documented procedure with the service owner.",
    ),
]


def load(apps, schema_editor):
    GuideSection = apps.get_model("escalations", "GuideSection")
    GuideRevision = apps.get_model("escalations", "GuideRevision")
    Scenario = apps.get_model("escalations", "Scenario")
    for order, (slug, title, body) in enumerate(SECTIONS):
        body = body.strip() + "\n"
        section, created = GuideSection.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "order": order, "body": body, "body_html": render(body)},
        )
        if created:
            GuideRevision.objects.create(section=section, number=1, title=title, body=body)
    if not Scenario.objects.exists():
        for order, (scenario, tier, wording) in enumerate(SCENARIOS):
            Scenario.objects.create(scenario=scenario, tier=tier, wording=wording, order=order)


class Migration(migrations.Migration):
    dependencies = [("escalations", "0002_guide")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
