"""manage.py backup / restore: a park built through the services survives a round trip into an
empty database with every table's rows equal, history included."""
import datetime
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from parkops.leases import services
from tests import factories
from tests.core.table_snapshot import snapshot

BASE_DIR = Path(settings.BASE_DIR)


def build_park():
    """A small park with leases, releases, a termination, a reservation, a request and a report."""
    staff = factories.staff_user("planner-1")
    zone_c = factories.ZoneFactory(code="C", name="C区")
    floor = factories.make_floor(30, building=factories.BuildingFactory(zone=zone_c, code="C-1"), level=3)
    seats = list(floor.seats.order_by("pk"))
    pingan = factories.FirmFactory(short_name="平安金服")
    majorel = factories.FirmFactory(short_name="迈睿中国")
    factories.tenant_user(pingan, "pingan")
    lease = factories.make_lease(pingan, seats=seats[:12], by=staff)
    services.seats_release(lease=lease, seats=seats[:2], on=datetime.date(2026, 6, 1), by=staff)
    other = factories.make_lease(majorel, seats=seats[12:20], by=staff)
    services.lease_terminate(lease=other, on=datetime.date(2026, 9, 1), reason="迁出", by=staff)
    phase = factories.PhaseFactory(number=1)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=majorel, phase=phase, seats=200, by=staff)
    services.seat_request_create(firm=pingan, seats=5, wanted_from=timezone.localdate() + datetime.timedelta(days=30), reason="扩编", by=staff)
    services.headcount_report_submit(confirmation_reason="测试数据", firm=pingan, month=datetime.date(2026, 2, 1), headcount=480, by=None)


def run(args, database_url, **kwargs):
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, **kwargs
    )


@pytest.fixture
def empty_database_url(db, tmp_path):
    """The URL of a second, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg2

    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(
        dbname="postgres", user=params["USER"], password=params["PASSWORD"], host=params["HOST"], port=params["PORT"]
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = f"{params['USER']}:{params['PASSWORD']}@" if params["PASSWORD"] else f"{params['USER']}@"
    try:
        yield f"postgres://{auth}{params['HOST']}:{params['PORT'] or 5432}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_round_trip_restores_every_table_history_included(empty_database_url, tmp_path):
    build_park()
    backup = tmp_path / "park.json.gz"
    call_command("backup", str(backup))
    before = snapshot()

    restored = run(["manage.py", "restore", str(backup)], empty_database_url)
    assert restored.returncode == 0, restored.stderr
    after = run(["tests/core/table_snapshot.py"], empty_database_url)
    assert after.returncode == 0, after.stderr
    after = json.loads(after.stdout)

    assert sorted(after) == sorted(before)
    for table in before:
        assert len(after[table]) == len(before[table]), table
        assert after[table] == before[table], table
    # The history really is in there, and so are users and the roles' permissions.
    assert len(before["leases_historicalleaseseat"]) >= 20
    assert len(before["leases_historicallease"]) >= 3
    assert before["auth_user"] and before["auth_group_permissions"]


def test_restore_refuses_a_database_with_data_unless_forced(empty_database_url, tmp_path):
    build_park()
    backup = tmp_path / "park.json"
    call_command("backup", str(backup))
    assert run(["manage.py", "restore", str(backup)], empty_database_url).returncode == 0

    again = run(["manage.py", "restore", str(backup)], empty_database_url)
    assert again.returncode != 0
    assert "already holds data" in again.stderr

    forced = run(["manage.py", "restore", "--force", str(backup)], empty_database_url)
    assert forced.returncode == 0, forced.stderr
    counts = json.loads(run(["tests/core/table_snapshot.py"], empty_database_url).stdout)
    assert len(counts["leases_leaseseat"]) == len(snapshot()["leases_leaseseat"])


def test_backup_needs_a_json_file_name(db, tmp_path):
    with pytest.raises(CommandError, match=r"\.json"):
        call_command("backup", str(tmp_path / "park.dat"))


@pytest.mark.django_db(transaction=True)  # on PostgreSQL the restore's TRUNCATE refuses a transaction with pending FK checks
def test_restore_force_ends_every_session(client, tmp_path):
    """core/backup.py promises that a restore logs everyone out: a session from before it is gone."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    build_park()
    client.force_login(get_user_model().objects.get(username="pingan"))
    assert client.get("/portal/").status_code == 200
    backup = tmp_path / "park.json"
    call_command("backup", str(backup))

    call_command("restore", "--force", str(backup), stdout=open(os.devnull, "w"))

    assert not Session.objects.exists()
    response = client.get("/portal/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
