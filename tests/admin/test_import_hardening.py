"""The admin import holds under attack: confirm writes every row or none, rows are checked as the model
checks them, database refusals are reported in plain words, GBK files read, and the confirm step acts
only on the temp file its own dry run signed (issue 13, findings 2 and 6)."""
import datetime
import os
import tempfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError
from django.urls import reverse

from parkops.firms.models import Firm
from parkops.firms.resources import FirmResource
from parkops.leases import services
from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.models import Seat
from tests import factories
from tests.admin.test_import_export import (
    CSV,
    FIRM_HEADER,
    LEASE_HEADER,
    SEAT_HEADER,
    confirm,
    invalid_rows,
    upload,
)

pytestmark = pytest.mark.django_db


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def seats(floor):
    return list(floor.seats.order_by("code"))


def lease_file(firm, seats):
    return LEASE_HEADER + (
        f"L-1,{firm.name},2026-01-01,2027-01-01,free_policy,0,active,{seats[0].code}\n"
        f"L-2,{firm.name},2026-01-01,2027-01-01,free_policy,0,active,{seats[1].code}\n"
        f"L-3,{firm.name},2026-01-01,2027-01-01,free_policy,0,active,{seats[2].code}\n"
    )


# --- finding 2: confirm is all or nothing ----------------------------------------------------------


def test_row_refused_at_confirm_rolls_back_the_file_and_says_which(admin_client, firm, other_firm, seats):
    dry_run = upload(admin_client, Lease, lease_file(firm, seats))
    assert not invalid_rows(dry_run) and dry_run.context["confirm_form"]
    # Between the dry run and the confirm, another firm leases the second row's seat.
    factories.make_lease(other_firm, seats=[seats[1]], start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    before = (Lease.objects.count(), LeaseSeat.objects.count())

    response = confirm(admin_client, Lease, dry_run)

    assert response.status_code == 200  # the import page again, not the changelist
    assert (Lease.objects.count(), LeaseSeat.objects.count()) == before
    assert not Lease.objects.filter(number__in=["L-1", "L-2", "L-3"]).exists()
    messages = texts(response)
    assert any("第 2 行" in m and "未导入任何数据" in m for m in messages), messages
    assert not any("导入" in m and "成功" in m or "Import finished" in m for m in messages), messages
    assert seats[1].code in invalid_rows(response)[2]["seats"][0]


def test_database_error_at_confirm_rolls_back_and_reports_failure(admin_client, firm, seats, monkeypatch):
    dry_run = upload(admin_client, Lease, lease_file(firm, seats))
    assert dry_run.context["confirm_form"]
    real = services.lease_create
    calls = []

    def fail_third(**kwargs):
        calls.append(kwargs["number"])
        if kwargs["number"] == "L-3":
            raise IntegrityError('duplicate key value violates unique constraint "leases_lease_number_key"')
        return real(**kwargs)

    monkeypatch.setattr(services, "lease_create", fail_third)
    response = confirm(admin_client, Lease, dry_run)

    assert calls == ["L-1", "L-2", "L-3"]
    assert not Lease.objects.exists() and not LeaseSeat.objects.exists()
    page = response.content.decode()
    assert "violates" not in page and "duplicate key" not in page
    messages = texts(response)
    assert any("第 3 行" in m for m in messages) and not any("Import finished" in m for m in messages)


def test_database_error_outside_the_rows_reports_failure(admin_client, firm, seats, monkeypatch):
    dry_run = upload(admin_client, Lease, lease_file(firm, seats))
    from parkops.leases.resources import LeaseResource

    def broken(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run"):
            raise DatabaseError("could not serialize access")

    monkeypatch.setattr(LeaseResource, "after_import", broken)
    response = confirm(admin_client, Lease, dry_run)
    assert response.status_code == 200
    assert not Lease.objects.exists()
    messages = texts(response)
    assert any("未导入任何数据" in m for m in messages) and not any("Import finished" in m for m in messages)


def test_clean_confirm_still_reports_success(admin_client, firm, seats):
    response = confirm(admin_client, Lease, upload(admin_client, Lease, lease_file(firm, seats)))
    assert response.status_code == 302
    assert Lease.objects.count() == 3
    assert any("3" in m for m in texts(response))


# --- finding 6: imports check what the model checks -----------------------------------------------


def test_seat_outside_the_floor_grid_is_refused(admin_client, floor):
    floor.grid_rows, floor.grid_cols = 12, 21
    floor.save()
    text = SEAT_HEADER + "C-1-3F-0900,C-1-3F,500,900,workstation,1,1,in_service,\n"
    errors = invalid_rows(upload(admin_client, Seat, text))
    assert "超出楼层网格 12×21" in errors[1]["row"][0]
    assert not Seat.objects.filter(code="C-1-3F-0900").exists()


def test_seat_with_empty_code_is_refused(admin_client, floor):
    floor.grid_rows = 12
    floor.save()
    text = SEAT_HEADER + ",C-1-3F,9,0,workstation,1,1,in_service,\n"
    response = upload(admin_client, Seat, text)
    assert 1 in invalid_rows(response) or response.context["result"].has_errors()
    assert not response.context.get("confirm_form")
    assert not Seat.objects.filter(code="").exists()


def test_database_refusal_is_reported_in_plain_words_on_its_field(admin_client, floor, monkeypatch):
    """A rule only the database holds (here: full_clean skipped) is named by row and column, without the database's text."""
    floor.grid_rows = 12
    floor.save()
    monkeypatch.setattr(Seat, "full_clean", lambda self, *a, **k: None)
    text = SEAT_HEADER + "C-1-3F-0901,C-1-3F,0,0,workstation,1,1,in_service,\n"  # the grid position of C-1-3F-0001
    response = upload(admin_client, Seat, text)
    errors = invalid_rows(response)
    assert list(errors) == [1]
    (field, messages), = errors[1].items()
    assert field in ("floor", "row", "col") and "重复" in messages[0]
    page = response.content.decode()
    for raw in ("UNIQUE constraint failed", "duplicate key", "violates", "Failing row"):
        assert raw not in page


def test_number_out_of_range_is_refused_before_the_database(admin_client, floor):
    floor.grid_rows = 12
    floor.save()
    text = SEAT_HEADER + "C-1-3F-0902,C-1-3F,70000,0,workstation,1,1,in_service,\n"
    response = upload(admin_client, Seat, text)
    assert 1 in invalid_rows(response)
    assert "out of range" not in response.content.decode()


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_or_utf8_imports(admin_client, encoding):
    factories.BusinessLineFactory(code="call", name="呼叫中心")
    text = FIRM_HEADER + "四川数智外包有限公司,数智外包,,,signed,2026-01-05,call\n"
    url = reverse("admin:firms_firm_import")
    file = SimpleUploadedFile("firms.csv", text.encode(encoding))
    dry_run = admin_client.post(url, {"import_file": file, "format": CSV, "resource": "0"})
    assert not dry_run.context["form"].errors
    assert not invalid_rows(dry_run)
    confirm(admin_client, Firm, dry_run)
    assert Firm.objects.get(short_name="数智外包").name == "四川数智外包有限公司"


def test_undecodable_csv_names_the_encoding(admin_client):
    url = reverse("admin:firms_firm_import")
    file = SimpleUploadedFile("firms.csv", FIRM_HEADER.encode() + b"\x81\x20\xff\x20\n")
    response = admin_client.post(url, {"import_file": file, "format": CSV, "resource": "0"})
    errors = response.context["form"].errors["import_file"]
    assert "编码" in errors[0] and "UnicodeDecodeError" not in response.content.decode()


def test_confirm_refuses_a_temp_file_name_the_dry_run_did_not_sign(admin_client, firm, seats):
    victim = tempfile.NamedTemporaryFile(delete=False, suffix=".csv")
    victim.write(lease_file(firm, seats).encode())
    victim.close()
    url = reverse("admin:leases_lease_process_import")
    try:
        for name in (os.path.basename(victim.name), victim.name, "../" + os.path.basename(victim.name)):
            response = admin_client.post(url, {"import_file_name": name, "original_file_name": "x.csv", "format": CSV, "resource": "0"})
            assert response.status_code == 200
            assert "import_file_name" in response.context["confirm_form"].errors
        assert os.path.exists(victim.name)  # neither read nor deleted
        assert not Lease.objects.exists()
    finally:
        os.remove(victim.name)


def test_a_signed_name_is_bound_to_the_user_who_ran_the_dry_run(admin_client, client, firm, seats):
    dry_run = upload(admin_client, Lease, lease_file(firm, seats))
    signed = dry_run.context["confirm_form"].initial["import_file_name"]
    other = factories.staff_user("bureau2", bureau=True)
    client.force_login(other)
    url = reverse("admin:leases_lease_process_import")
    response = client.post(url, {"import_file_name": signed, "original_file_name": "x.csv", "format": CSV, "resource": "0"})
    assert "import_file_name" in response.context["confirm_form"].errors
    assert not Lease.objects.exists()


# --- finding 5: the admin export never fails on stored data ---------------------------------------


def test_admin_xlsx_export_cleans_control_characters(admin_client):
    import io

    import openpyxl

    Firm.objects.create(name="控制字符有限公司", short_name="控制", note="n\x0bote\x01x")
    url = reverse("admin:firms_firm_export")
    response = admin_client.post(url, {"format": "1", "resource": "0", **{f"firmresource_{f}": "on" for f in FirmResource.Meta.fields}})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    notes = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes == ["n\ufffdote\ufffdx"]
