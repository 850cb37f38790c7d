"""Doing something once, even with several servers running the same job at the same moment.

The thing done is stood for by a row that a unique constraint allows only once (a notice to
one person for one week, a report sent for one period, a week's issue, a step of an urgent
request). Inserting the row is the claim: whoever's insert succeeds does the work; everyone
else's insert is refused by the database, not by a check that two runs could pass at once.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import IntegrityError, models, transaction

M = TypeVar("M", bound=models.Model)


def claim(model: type[M], **values) -> M | None:
    """Insert one ``model`` row and return it; None when its unique constraints say it exists
    already (done earlier, or claimed by another run right now). The insert runs in a
    savepoint, so a refused claim leaves the caller's transaction and its work usable."""
    try:
        with transaction.atomic():
            return model.objects.create(**values)
    except IntegrityError:
        return None
