"""Every list filter and the trends report choose a firm with the picker: by the picked id, or by typed text
that names exactly one firm; ambiguous or unknown text is refused with the candidates, never a first match."""
import datetime

import pytest
from django.urls import reverse

from parkops.firms.choices import FirmStatus
from parkops.firms.models import Firm
from tests import factories

pytestmark = pytest.mark.django_db

LISTS = ["registers:lease_list", "registers:headcount_list", "registers:seat_request_list", "registers:seat_list"]


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def firms(db):
    return {
        "zdcy": factories.FirmFactory(name="知道创宇信息技术有限公司", short_name="知道创宇"),
        "njzd": factories.FirmFactory(name="内江知道创宇信息技术有限公司", short_name="内江知道创宇"),
        "yunda": factories.FirmFactory(name="韵达速递（测试）有限公司", short_name="韵达速递", name_en="Yunda Express"),
        "gone": factories.FirmFactory(name="已退出外包有限公司", short_name="已退出外包"),
    }


@pytest.fixture
def leases(firms, floor):
    seats = list(floor.seats.order_by("code"))
    start, end = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)
    made = {key: factories.make_lease(firm, seats=seats[i * 2:i * 2 + 2], start=start, end=end) for i, (key, firm) in enumerate(firms.items())}
    Firm.objects.filter(pk=firms["gone"].pk).update(status=FirmStatus.EXITED)  # left the park after its lease
    return made


def listed_numbers(response):
    return {row.record.number for row in response.context["table"].page.object_list} if "table" in response.context else set()


@pytest.mark.parametrize("name", LISTS)
def test_each_list_filter_renders_the_picker(staff_client, name, firms):
    html = staff_client.get(reverse(name)).content.decode()
    assert "data-firm-picker" in html and 'name="firm_q"' in html and 'type="hidden" name="firm"' in html
    # A filtered page shows the firm's name in the box, the id in the hidden input.
    html = staff_client.get(reverse(name), {"firm": firms["yunda"].pk}).content.decode()
    assert 'value="韵达速递"' in html and f'name="firm" value="{firms["yunda"].pk}"' in html


def test_lease_list_filters_by_picked_id_or_by_text_naming_one_firm(staff_client, leases):
    url = reverse("registers:lease_list")
    by_id = staff_client.get(url, {"firm": leases["yunda"].firm_id})
    assert listed_numbers(by_id) == {leases["yunda"].number}
    for typed in ("韵达", "yunda express", "韵达速递"):
        assert listed_numbers(staff_client.get(url, {"firm_q": typed})) == {leases["yunda"].number}, typed
    # The exact short name wins over the longer name that contains it.
    assert listed_numbers(staff_client.get(url, {"firm_q": "知道创宇"})) == {leases["zdcy"].number}
    # A firm that left the park is still found by the filters (its leases stay on record).
    assert listed_numbers(staff_client.get(url, {"firm_q": "已退出"})) == {leases["gone"].number}


def test_ambiguous_or_unknown_text_is_refused_with_the_candidates(staff_client, leases):
    url = reverse("registers:lease_list")
    response = staff_client.get(url, {"firm_q": "知道"})
    html = response.content.decode()
    assert "“知道”对应多家企业" in html and "知道创宇" in html and "内江知道创宇" in html
    assert "未找到企业“不存在的企业”" in staff_client.get(url, {"firm_q": "不存在的企业"}).content.decode()


def test_autocomplete_lists_exited_firms_only_when_asked(staff_client, leases):
    url = reverse("firms:autocomplete")
    assert "已退出外包" not in staff_client.get(url, {"firm_q": "外包"}).content.decode()
    assert "已退出外包" in staff_client.get(url, {"firm_q": "外包", "exited": "1"}).content.decode()


def test_trends_report_picks_a_firm_by_text(staff_client, leases, firms):
    response = staff_client.get(reverse("reports:trends"), {"firm_q": "韵达"})
    assert response.status_code == 200
    assert response.context["form"].chosen_firm() == firms["yunda"]
    assert "“知道”对应多家企业" in staff_client.get(reverse("reports:trends"), {"firm_q": "知道"}).content.decode()
