from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from admins.models import Administrator, Service
from core.roles import AGENT, MANAGER, SUPERVISOR
from escalations.handoffs.services import stamp_first_escalation
from tickets.models import Category, Priority, Ticket

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


def _join(role: str):
    def join(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=extracted or role))

    return factory.PostGeneration(join)


class AgentFactory(UserFactory):
    role = _join(AGENT)


class SupervisorFactory(UserFactory):
    role = _join(SUPERVISOR)


class ManagerFactory(UserFactory):
    role = _join(MANAGER)


class AdministratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administrator

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    team = "Infrastructure"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    external_id = factory.Sequence(lambda n: str(500000 + n))
    title = factory.Sequence(lambda n: f"Printer problem {n}")
    category = factory.LazyFunction(lambda: Category.objects.get(number=1))
    priority = factory.LazyFunction(lambda: Priority.objects.get(name="High", category=None))
    requestor_name = "Casey Adler"
    requestor_email = "casey.adler@example.org"
    department = "Finance"
    agent = factory.SubFactory(AgentFactory)
    opened_at = factory.LazyFunction(timezone.now)


class EngagementFactory(factory.django.DjangoModelFactory):
    """A Collaborate request; pass kind="escalate" with a reason for an escalation."""

    class Meta:
        model = "escalations.Engagement"
        skip_postgeneration_save = True

    ticket = factory.SubFactory(TicketFactory)
    admin = factory.SubFactory(AdministratorFactory)
    kind = "collaborate"
    requested_by = factory.SelfAttribute("ticket.agent")
    requested_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    message = "Could you advise on this ticket?"

    @factory.post_generation
    def first_escalation(obj, create, extracted, **kwargs):
        """What escalations.services.escalate keeps: the ticket's first escalation time."""
        if create and obj.kind == "escalate":
            stamp_first_escalation(Ticket.objects.filter(pk=obj.ticket_id))
            obj.ticket.refresh_from_db(fields=["escalated_at"])


class PurviewFactory(factory.django.DjangoModelFactory):
    """A current declaration: an owner, on record in a ticket, recorded by a supervisor."""

    class Meta:
        model = "admins.Purview"

    service = factory.SubFactory(ServiceFactory)
    admin = factory.SubFactory(AdministratorFactory)
    role = "owner"
    declared_on = factory.LazyFunction(timezone.localdate)
    evidence = "Declared by the admin in ticket 12345"
    recorded_by = factory.SubFactory(SupervisorFactory)
