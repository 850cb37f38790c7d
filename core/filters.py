"""Filter helpers shared by the list pages."""

from __future__ import annotations

from datetime import date, datetime, time

import django_filters
from django.utils import timezone

from core.forms import BoundedDateField


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField
