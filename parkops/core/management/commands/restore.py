"""manage.py restore FILE: load a backup written by `manage.py backup` into this database.

Migrates first (so a brand-new database works), then refuses a database that already holds park
data unless --force, which replaces that data. All or nothing: one transaction. Every session ends:
a login from before the restore may name a user the backup does not have, or has with other rights.
"""
from django.core.management import BaseCommand, CommandError, call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from parkops.core.backup import backed_up_tables, end_every_session, non_empty_models


class Command(BaseCommand):
    help = "Restore a backup FILE into an empty database (or replace the data with --force)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by manage.py backup")
        parser.add_argument("--force", action="store_true", help="replace the data of a non-empty database")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, force, database, **options):
        call_command("migrate", database=database, interactive=False, verbosity=0)
        found = non_empty_models()
        if found and not force:
            raise CommandError(
                "This database already holds data ({}). Restore into an empty database, "
                "or pass --force to replace its data with the backup.".format(", ".join(found[:6]))
            )
        connection = connections[database]
        with transaction.atomic(using=database):
            # Remove what migrate seeded (the roles' groups) and, with --force, the old data;
            # the backup brings its own rows with their original ids.
            statements = connection.ops.sql_flush(no_style(), backed_up_tables(), allow_cascade=False)
            connection.ops.execute_sql_flush(statements)
            call_command("loaddata", file, database=database, verbosity=0)
            end_every_session(database)
        self.stdout.write(f"Restored {file} into database '{connection.settings_dict['NAME']}'.")
