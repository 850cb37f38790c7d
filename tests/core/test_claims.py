from django.contrib.auth.models import Group
from django.db import transaction

from core.claims import claim


def test_the_first_claim_wins_and_a_second_leaves_the_callers_work_standing(db):
    with transaction.atomic():
        first = claim(Group, name="weekly report 2026-W48 to ana")
        second = claim(Group, name="weekly report 2026-W48 to ana")
        # The refused insert did not break the transaction: the caller can go on writing.
        Group.objects.create(name="other work in the same transaction")

    assert first is not None and first.pk
    assert second is None
    assert Group.objects.filter(name="weekly report 2026-W48 to ana").count() == 1
    assert Group.objects.filter(name="other work in the same transaction").exists()
