"""manage.py backup FILE: write the whole park to a portable JSON file (dumpdata format).

FILE ending in .gz, .bz2, .xz or .lzma is compressed. The dump is read in one transaction
(REPEATABLE READ on PostgreSQL, the write lock on SQLite) so it is consistent even while people
work. For a large PostgreSQL database prefer pg_dump -Fc (see the deployment notes); this
command is the path that works on every database and restores into either kind.
"""
import os
from pathlib import Path

from django.core import serializers
from django.core.management import BaseCommand, CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from parkops.core import serializers as precise
from parkops.core.backup import dump_labels


class Command(BaseCommand):
    help = "Write every park table (history, users and groups included) to FILE as dumpdata JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write, e.g. park-2026-11-26.json.gz")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        target = Path(file)
        if ".json" not in target.suffixes:
            raise CommandError(f"FILE must end in .json (or .json.gz, .json.xz, ...), not {target.name!r}.")
        if not target.parent.exists():
            raise CommandError(f"Folder {target.parent} does not exist; create it or pick another FILE.")
        # Same suffixes as the target, so dumpdata picks the same compression.
        partial = target.with_name(".partial-" + target.name)
        serializers.register_serializer(precise.FORMAT, "parkops.core.serializers")
        connection = connections[database]
        # Only an outermost transaction can choose its isolation level (a caller's is kept).
        snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
        with transaction.atomic(using=database):
            if snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            call_command(
                "dumpdata",
                *dump_labels(),
                format=precise.FORMAT,
                natural_foreign=True,
                indent=0,
                database=database,
                output=str(partial),
                verbosity=0,
            )
        os.replace(partial, target)
        self.stdout.write(f"Backup written to {target} ({target.stat().st_size} bytes).")
