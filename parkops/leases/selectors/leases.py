"""Leases with their state and the seats they hold on a day."""
from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ..models import Lease, LeaseSeat


def with_seats_on(leases, on: datetime.date, *, days: int | None = None):
    """Return a Lease queryset annotated with ``seats_on`` (the seats held under each lease on a day) and ``state``
    (with the product's expiry window, or `days`). No extra query.
    """
    held = LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease").annotate(n=Count("id")).values("n")
    return leases.with_state(on, days=days).annotate(seats_on=Coalesce(Subquery(held, output_field=IntegerField()), 0))


def leases_with_seats(on, *, days: int | None = None):
    """Return leases with their firm, their state and the number of seats held on a day annotated."""
    return with_seats_on(Lease.objects.select_related("firm"), on, days=days)
