"""``field__in_ids=[...]``: membership in a long list of ids, as one array parameter on PostgreSQL.

``__in`` with a list spells one placeholder per value: for a floor's 600 seats the ORM prepares 600
parameters and PostgreSQL plans a 600-term IN list on every request. ``= ANY(%s)`` with the list as one
array does the same match with one parameter. SQLite has no arrays and gets the plain IN list.
The values must be ids (ints or int-like), not model instances or querysets as __in also takes.
"""
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


def ids_match(column_sql: str, ids, vendor: str) -> tuple[str, list]:
    """Return (SQL, params) matching `column_sql` against a non-empty list of ids: `= ANY(%s)` with one array
    parameter on PostgreSQL, `IN (%s, ...)` elsewhere. For the lookup below and for hand-written statements."""
    ids = [int(i) for i in ids]
    if vendor == "postgresql":
        return f"{column_sql} = ANY(%s)", [ids]
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", ids


class InIds(Lookup):
    lookup_name = "in_ids"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # as __in does: nothing matches (and everything matches its exclude())
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = ids_match(lhs, self.rhs, connection.vendor)
        return sql, [*lhs_params, *params]


models.ForeignKey.register_lookup(InIds)
models.AutoField.register_lookup(InIds)
models.BigAutoField.register_lookup(InIds)
