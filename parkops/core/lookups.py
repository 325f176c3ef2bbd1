"""``field__in_ids=[...]``: membership in a long list of ids, as one array parameter on PostgreSQL.

``__in`` with a list spells one placeholder per value: for a floor's 600 seats the ORM prepares 600
parameters and PostgreSQL plans a 600-term IN list on every request. ``= ANY(%s)`` with the list as one
array does the same match with one parameter. SQLite has no arrays and gets the plain IN list.
The values must be ids (ints or int-like), not model instances or querysets as __in also takes.
"""
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # as __in does: nothing matches (and everything matches its exclude())
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*lhs_params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


models.ForeignKey.register_lookup(InIds)
models.AutoField.register_lookup(InIds)
models.BigAutoField.register_lookup(InIds)
