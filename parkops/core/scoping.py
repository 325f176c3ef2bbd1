"""Tenant scoping: the one queryset that decides which rows of a model a user may see.

Each model that belongs to a firm declares, once, its path to the firm on a subclass of
FirmScopedQuerySet (``firm_path``, a lookup path ending at the firm; ``"pk"`` for the firm model itself)
and whether that path crosses a to-many relation (``firm_path_many``: the filter then needs distinct(),
or a row would come back once per match). tests/core/test_scoping.py walks every declared path through
the models' _meta and checks both.

Every tenant-facing view and export starts from ``Model.objects.visible_to(user)``: staff and bureau
admins see every row, a tenant firm's user the rows of its own firm, anyone else none. A row of
another firm is then simply not found, so a detail view answers 404, never 403.
"""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .access import is_park_staff, user_firm


class FirmScopedQuerySet(models.QuerySet):
    """A queryset of rows that belong to a firm through ``firm_path`` (declared by each model's subclass)."""

    #: Lookup path from the model to its firm, e.g. "firm", "lease__firm"; "pk" on the firm model itself.
    firm_path: str = ""
    #: Whether firm_path crosses a to-many relation (a reverse foreign key or many-to-many): distinct() needed.
    firm_path_many: bool = False

    def for_firm(self, firm):
        """Return the rows of one firm (a firm or its primary key)."""
        if not self.firm_path:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare firm_path, its lookup path to the firm.")
        rows = self.filter(**{self.firm_path: getattr(firm, "pk", firm)})
        return rows.distinct() if self.firm_path_many else rows

    def visible_to(self, user):
        """Return the rows a user may see: all for staff and bureau admins, its own firm's for a tenant, else none."""
        if is_park_staff(user):
            return self
        firm = user_firm(user)
        if firm is None:
            return self.none()
        return self.for_firm(firm)
