"""Firm admin: the social credit code check with its "仍然保存" override, and the changelist's counted columns."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.firms.models import Firm
from tests import factories

ADD_URL = reverse("admin:firms_firm_add")
VALID = ["914403001922038216", "91440300708461136T"]
BAD_CHECKSUM = "91350100M000100Y4Z"


def firm_post(uscc, *, override=False, name="测试科技有限公司"):
    data = {
        "name": name, "short_name": "测试科技", "name_en": "", "uscc": uscc, "parent_group": "", "status": "signed",
        "signed_on": "", "contact_name": "", "contact_phone": "", "contact_email": "", "note": "",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000",
    }
    if override:
        data["uscc_override"] = "on"
    return data


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_save(admin_client, code):
    response = admin_client.post(ADD_URL, firm_post(code))
    assert response.status_code == 302
    assert Firm.objects.get(uscc=code)


def test_failing_checksum_needs_the_override(admin_client):
    refused = admin_client.post(ADD_URL, firm_post(BAD_CHECKSUM))
    assert refused.status_code == 200
    assert "仍然保存" in str(refused.context["adminform"].form.errors["uscc"])
    assert not Firm.objects.exists()

    saved = admin_client.post(ADD_URL, firm_post(BAD_CHECKSUM, override=True), follow=True)
    assert Firm.objects.get().uscc == BAD_CHECKSUM
    assert any("校验位" in str(m) for m in saved.context["messages"])


@pytest.mark.parametrize("code", ["12345", "91350100M00010@Y4Z"])
def test_bad_shape_is_an_error_even_with_override(admin_client, code):
    response = admin_client.post(ADD_URL, firm_post(code, override=True))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["uscc"]
    assert not Firm.objects.exists()


def test_changelist_counts_seats_today_and_expiring_leases(admin_client, floor, firm, other_firm):
    today = timezone.localdate()
    seats = list(floor.seats.order_by("code"))
    factories.make_lease(firm, seats=seats[:4], start=today - datetime.timedelta(days=10), end=today + datetime.timedelta(days=30))
    factories.make_lease(firm, seats=seats[4:6], start=today - datetime.timedelta(days=10), end=today + datetime.timedelta(days=400))
    factories.make_lease(other_firm, seats=seats[6:7], start=today + datetime.timedelta(days=5), end=today + datetime.timedelta(days=50))
    response = admin_client.get(reverse("admin:firms_firm_changelist"))
    rows = {obj.pk: obj for obj in response.context["cl"].result_list}
    assert (rows[firm.pk].n_today, rows[firm.pk].n_expiring) == (6, 1)
    # other_firm's lease starts in 5 days: its state today is upcoming, not expiring (one meaning, LeaseState).
    assert (rows[other_firm.pk].n_today, rows[other_firm.pk].n_expiring) == (0, 0)


@pytest.mark.parametrize("term", ["平安", "PINGAN", "914403001922038216"])
def test_search_by_chinese_english_name_and_code(admin_client, term):
    factories.FirmFactory(name="平安金服有限公司", short_name="平安金服", name_en="PingAn Financial", uscc="914403001922038216")
    factories.FirmFactory(name="别的公司", short_name="别的")
    response = admin_client.get(reverse("admin:firms_firm_changelist"), {"q": term})
    assert [f.short_name for f in response.context["cl"].result_list] == ["平安金服"]


def test_code_saved_with_override_needs_no_new_tick_on_later_edits(admin_client):
    admin_client.post(ADD_URL, firm_post(BAD_CHECKSUM, override=True))
    firm = Firm.objects.get()
    url = reverse("admin:firms_firm_change", args=[firm.pk])
    data = {**firm_post(BAD_CHECKSUM), "note": "改了备注"}
    assert admin_client.post(url, data).status_code == 302
    firm.refresh_from_db()
    assert firm.note == "改了备注"
    other = {**firm_post("91350100M000100Y5Z"), "note": "换了代码"}  # a different failing code needs the tick again
    refused = admin_client.post(url, other)
    assert refused.status_code == 200 and "仍然保存" in str(refused.context["adminform"].form.errors["uscc"])
