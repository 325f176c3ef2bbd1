"""manage.py load_park and parkops.seed.park_loader: the real park as the default data set.

The park is loaded once for the module (committed, wiped again at the end); each test reads it
inside its own rolled-back transaction, so the tests that load again (--replace, a bad file)
leave the shared load untouched.
"""
import datetime
import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from parkops.seed import park_loader
from parkops.firms.choices import FirmStatus, MemberRole
from parkops.firms.models import Firm, FirmMember
from parkops.leases import selectors
from parkops.leases.choices import LeaseState, RentTerms, ReservationStatus, SeatRequestStatus
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.choices import FunctionalArea, PhaseStatus, SeatCondition, ZoneStatus
from parkops.zones.models import Building, Floor, Phase, Seat, Zone

OPERATING = ["A", "B", "B1", "C"]
# Every firm PARK.md names, by the name or short name the park's staff use.
NAMED_FIRMS = [
    "抖音集团", "平安金服", "迈睿中国", "北京鸿联九五", "同程旅行", "大宇宙", "知道创宇", "韵达速递", "京阿唯",
    "上海凯长", "四川科音", "佰里人才", "诚伯信息", "卡拉卡尔", "嘉磊传媒", "台州亿兴智能科技有限公司",
    "内江知道创宇信息技术有限公司", "申通快递", "360集团",
]
INTERNSHIP_BASES = {"上海凯长", "京阿唯", "平安金服", "大宇宙", "四川科音", "知道创宇", "佰里人才"}


@pytest.fixture(scope="module")
def park(django_db_setup, django_db_blocker):
    """Load the park once for this module; return the command's output."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("load_park", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock(), transaction.atomic():
        park_loader.wipe_park()


@pytest.fixture
def today():
    return timezone.localdate()


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Zone, Phase, Building, Floor, Seat, Firm, Lease, LeaseSeat, CapacityReservation, SeatRequest, HeadcountReport)
    } | {"seat_history": Seat.history.count(), "leaseseat_history": LeaseSeat.history.count()}


def operating_zones():
    return Zone.objects.filter(code__in=OPERATING)


def test_operating_zones_have_about_7000_seats_as_declared(park, db):
    counted = Seat.objects.filter(floor__building__zone__code__in=OPERATING).count()
    declared = operating_zones().aggregate(s=Sum("declared_seats"))["s"]
    assert 6500 <= counted <= 7500
    assert counted == declared
    per_zone = dict(
        Seat.objects.filter(floor__building__zone__code__in=OPERATING)
        .values_list("floor__building__zone__code").annotate(n=Count("id"))
    )
    assert per_zone == dict(operating_zones().values_list("code", "declared_seats"))
    assert set(operating_zones().values_list("status", flat=True)) == {ZoneStatus.OPERATING}


def test_operating_zones_cover_about_50000_m2_shared_out_to_floors(park, db):
    area = operating_zones().aggregate(a=Sum("gross_area_m2"))["a"]
    assert 45000 <= area <= 55000
    for zone in operating_zones():
        floors = Floor.objects.filter(building__zone=zone).aggregate(a=Sum("area_m2"))["a"]
        assert floors == zone.gross_area_m2, zone.code


def test_floors_hold_200_to_300_seats_inside_their_grid(park, db):
    floors = Floor.objects.filter(building__zone__code__in=OPERATING).annotate(n=Count("seats"))
    assert floors and all(200 <= f.n <= 300 for f in floors)
    for seat in Seat.objects.select_related("floor").filter(code__startswith="C-1-3F-"):
        assert seat.row < seat.floor.grid_rows and seat.col < seat.floor.grid_cols
    assert Seat.objects.filter(code="C-1-3F-0001").exists()
    assert set(Building.objects.filter(zone__code__in=OPERATING).values_list("code", flat=True)) == {
        "A-1", "B-1", "B-2", "B1-1", "C-1", "C-2"
    }


def test_zone_d_has_four_phases_with_35000_in_phase_one(park, db):
    zone = Zone.objects.get(code="D")
    assert zone.status == ZoneStatus.UNDER_CONSTRUCTION and zone.address == "汉安大道东段"
    phases = list(Phase.objects.filter(zone=zone).order_by("number"))
    assert [p.number for p in phases] == [1, 2, 3, 4]
    assert phases[0].planned_capacity == 35000
    assert phases[0].status in (PhaseStatus.HANDED_OVER, PhaseStatus.OPERATING)
    assert sum(p.land_mu for p in phases) == Decimal("1000")
    assert sum(p.investment_cny for p in phases) == Decimal("10000000000")
    # Land and investment follow capacity: phase 1 holds 35,000 of the 93,000 people planned in zone D.
    assert phases[0].land_mu == Decimal("376.3")
    assert 7000 + sum(p.planned_capacity for p in phases) == 100000


def test_zone_d_buildings_cover_four_functional_areas_and_the_sto_floor(park, db, today):
    areas = set(Building.objects.filter(zone__code="D").values_list("functional_area", flat=True))
    assert areas == set(FunctionalArea.values)
    assert Building.objects.get(code="D-3").floors_above == 15
    assert "共享" in Floor.objects.get(building__code="D-3", level=15).label
    sto_floor = Floor.objects.get(building__code="D-7", level=6)
    states = selectors.seat_states(sto_floor, today)
    assert len(states) == 300
    assert {s.firm_name for s in states} == {"申通快递"}
    assert "916" in Building.objects.get(functional_area=FunctionalArea.TALENT_APARTMENTS).note


def test_25_reservations_from_25_firms_within_phase_one(park, db):
    active = CapacityReservation.objects.filter(status=ReservationStatus.ACTIVE)
    assert active.count() == 25
    assert active.values("firm").distinct().count() == 25
    shorts = set(active.values_list("firm__short_name", flat=True))
    assert {"大宇宙", "韵达速递", "知道创宇"} <= shorts
    phase_one = active.filter(phase__number=1).aggregate(s=Sum("seats"))["s"]
    assert active.filter(phase__number=1).count() > 12
    assert phase_one < 35000 * 0.6


def test_every_named_firm_is_present_and_real(park, db):
    for name in NAMED_FIRMS:
        firm = Firm.objects.filter(short_name=name).first() or Firm.objects.get(name=name)
        assert not firm.is_demo, name
        assert firm.business_lines.exists(), name
        assert firm.name_en, name
    bases = set(Firm.objects.filter(is_internship_base=True).values_list("short_name", flat=True))
    assert bases == INTERNSHIP_BASES
    assert Firm.objects.get(name="台州亿兴智能科技有限公司").signed_on == datetime.date(2024, 2, 6)
    sto = Firm.objects.get(short_name="申通快递")
    assert (sto.signed_on.year, sto.signed_on.month) == (2025, 7)
    assert Firm.objects.filter(is_top_ranked=True).count() >= 10
    # No invented credit codes for real firms.
    assert not Firm.objects.filter(uscc__isnull=False).exists()


def test_firms_not_in_park_md_are_flagged_demo(park, db):
    named = Firm.objects.filter(short_name__in=NAMED_FIRMS) | Firm.objects.filter(name__in=NAMED_FIRMS)
    others = Firm.objects.exclude(pk__in=named.values("pk"))
    assert others.exists()
    for firm in others:
        assert firm.is_demo and "演示" in firm.name and "演示" in firm.short_name, firm.name


def test_no_seat_is_held_twice_on_any_day(park, db):
    ranges = defaultdict(list)
    for seat_id, start, end in LeaseSeat.objects.values_list("seat_id", "start", "end"):
        ranges[seat_id].append((start, end))
    for seat_id, spans in ranges.items():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start, seat_id
    assert not LeaseSeat.objects.filter(seat__outages__isnull=False).exists()
    # Every holding lies inside its seat's existence range.
    assert not LeaseSeat.objects.filter(start__lt=F("seat__available_from")).exists()


def test_leased_share_of_operating_zones_today_is_75_to_90_percent(park, db, today):
    rows = [o for o in selectors.zone_occupancy(today) if o.label in OPERATING]
    leased, seats = sum(o.leased for o in rows), sum(o.seats for o in rows)
    assert 0.75 <= leased / seats <= 0.90
    assert 0 < sum(o.out_of_service for o in rows) < 100


def test_leases_mix_terms_and_dates_relative_to_today(park, db, today):
    leases = Lease.objects.all()
    assert set(leases.values_list("rent_terms", flat=True)) == set(RentTerms.values)
    assert leases.filter(rent_terms=RentTerms.FREE_POLICY).exclude(policy_basis="").exists()
    assert not leases.filter(rent_terms=RentTerms.FREE_POLICY).exclude(monthly_rate=0).exists()
    in_force = leases.in_state([LeaseState.ACTIVE, LeaseState.EXPIRING], today)
    assert in_force.filter(end__lte=today + datetime.timedelta(days=60)).count() >= 2
    assert leases.filter(end__gt=today + datetime.timedelta(days=60), end__lte=today + datetime.timedelta(days=90)).exists()
    two_years_ago = today - datetime.timedelta(days=730)
    assert leases.filter(start__gte=two_years_ago, end__lte=today).exists()
    assert leases.in_state(LeaseState.TERMINATED, today).filter(terminated_on__lt=today).exists()
    assert Firm.objects.filter(status=FirmStatus.EXITED, is_demo=True).exists()
    several = Lease.objects.values("firm").annotate(n=Count("id")).filter(n__gte=2).count()
    assert several >= 8


def test_every_lease_state_a_newcomer_meets_is_in_the_demo(park, db, today):
    """Upcoming, expiring within 30 / 60 / 90 days, ended and terminated, all relative to the day of loading."""
    leases = Lease.objects.all()
    assert leases.in_state(LeaseState.UPCOMING, today).count() >= 2
    in_force = leases.in_state([LeaseState.ACTIVE, LeaseState.EXPIRING], today)
    for low, high in ((0, 30), (30, 60), (60, 90)):
        window = in_force.filter(end__gt=today + datetime.timedelta(days=low), end__lte=today + datetime.timedelta(days=high))
        assert window.exists(), (low, high)
    assert leases.in_state(LeaseState.ENDED, today).exists()
    assert leases.in_state(LeaseState.TERMINATED, today).exists()


def test_phase_one_has_free_floors_of_realistic_size_for_converting_a_reservation(park, db, today):
    floors = Floor.objects.filter(building__phase__number=1).annotate(n=Count("seats"))
    counted = selectors.occupancy_by("floor", today)
    free = {f.code: counted.get(f.pk) for f in floors.select_related("building") if f.n}
    roomy = [code for code, occ in free.items() if occ and occ.free >= 300]
    assert len(roomy) >= 2, free
    assert any(300 <= f.n <= 600 for f in floors if f.code in roomy)
    active = CapacityReservation.objects.filter(status=ReservationStatus.ACTIVE, phase__number=1)
    assert active.filter(seats__lte=max(free[c].free for c in roomy)).exists()


def test_seats_added_and_released_mid_lease_are_their_own_ranges(park, db, today):
    active = LeaseSeat.objects.filter(lease__terminated_on__isnull=True)
    added = active.filter(start__gt=F("lease__start"))
    assert added.filter(lease__firm__short_name="京阿唯").count() == 50
    released = active.filter(end__lt=F("lease__end"), end__lte=today)
    assert released.filter(lease__firm__short_name="北京鸿联九五").count() == 30


def test_headcount_reports_span_months_and_stray_from_seats(park, db, today):
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    reported = HeadcountReport.objects.filter(month=last_month.replace(day=1)).select_related("firm")
    assert reported.count() >= 15
    held = dict(LeaseSeat.objects.on(last_month).values_list("lease__firm").annotate(n=Count("id")))
    ratios = [r.headcount / held[r.firm_id] for r in reported]
    assert any(r > 1 for r in ratios) and any(r < 0.6 for r in ratios)
    months = HeadcountReport.objects.values("firm").annotate(n=Count("id"))
    assert all(6 <= m["n"] <= 13 for m in months)
    assert not HeadcountReport.objects.filter(month__gt=today).exists()


def test_seat_requests_open_approved_and_rejected(park, db):
    requests = SeatRequest.objects.all()
    assert requests.filter(status=SeatRequestStatus.OPEN).count() >= 2
    approved = requests.get(status=SeatRequestStatus.APPROVED)
    assert approved.lease.firm == approved.firm
    assert approved.lease.lease_seats.count() == approved.seats
    assert requests.get(status=SeatRequestStatus.REJECTED).decision_reason


def test_history_is_recorded_for_bulk_rows(park, db):
    assert Seat.history.count() >= Seat.objects.count()
    assert LeaseSeat.history.filter(history_type="+").count() >= LeaseSeat.objects.count()
    assert Firm.history.filter(history_type="+").count() == Firm.objects.count()


def test_command_reports_totals(park, db):
    assert "园区数据加载完成" in park
    assert "C " in park and "3200" in park


def test_second_run_is_a_no_op(park, db):
    before = counts()
    out = io.StringIO()
    call_command("load_park", stdout=out)
    assert "已加载" in out.getvalue()
    assert counts() == before


def test_replace_reloads_and_keeps_users_linked(park, db):
    user = get_user_model().objects.create(username="pa-test")
    FirmMember.objects.create(user=user, firm=Firm.objects.get(short_name="平安金服"), role=MemberRole.ADMIN)
    old_pk = Firm.objects.get(short_name="平安金服").pk
    before = counts()
    call_command("load_park", "--replace", stdout=io.StringIO())
    member = FirmMember.objects.get(user=user)
    assert member.firm.short_name == "平安金服" and member.firm.pk != old_pk
    after = counts()
    assert {k: v for k, v in after.items() if "history" not in k} == {k: v for k, v in before.items() if "history" not in k}


def small_park(**lease) -> dict:
    """A park file of one zone, one floor of 20 seats, one firm and one lease."""
    return {
        "business_lines": [{"code": "cs", "name": "在线客服"}],
        "zones": [{"code": "X", "name": "X区", "area_m2": 100, "declared_seats": 20, "buildings": [
            {"code": "X-1", "name": "X楼", "floors": [{"levels": [2], "rows": 2, "cols": 10, "seats": 20}]}
        ]}],
        "firms": [{"short_name": "测试", "name": "测试企业（演示）", "lines": ["cs"]}],
        "leases": [{"firm": "测试", "building": "X-1", "seats": 10, "start": "-1m", "end": "+1m", **lease}],
    }


@pytest.mark.parametrize(
    "lease, message",
    [
        ({"seats": 25}, "leases[0]：楼栋 X-1"),
        ({"firm": "无名"}, "leases[0]：企业“无名”"),
        ({"start": "yesterday"}, "leases[0]：日期“yesterday”"),
        ({"terms": "free_policy", "rate": 100}, "leases[0]：政策免租"),
    ],
)
def test_bad_file_names_the_entry_and_changes_nothing(park, db, tmp_path, lease, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(small_park(**lease), ensure_ascii=False), encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError, match="未做任何更改") as exc:
        call_command("load_park", "--replace", "--file", str(path), stdout=io.StringIO())
    assert message in str(exc.value)
    assert counts() == before
    assert Zone.objects.filter(code="C").exists()


def test_small_file_loads_through_the_services(db, tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_park(), ensure_ascii=False), encoding="utf-8")
    call_command("load_park", "--replace", "--file", str(path), stdout=io.StringIO())
    assert Seat.objects.count() == 20
    assert LeaseSeat.objects.count() == 10
    assert Floor.objects.get().area_m2 == 100


def test_add_months_clamps_to_month_end():
    assert park_loader.add_months(datetime.date(2026, 3, 31), -1) == datetime.date(2026, 2, 28)
    assert park_loader.add_months(datetime.date(2026, 11, 26), -30) == datetime.date(2024, 5, 26)
    assert park_loader.add_months(datetime.date(2026, 11, 26), 2) == datetime.date(2027, 1, 26)


def test_split_proportionally_sums_to_the_total():
    shares = park_loader.split_proportionally(Decimal(1000), [35000, 25000, 20000, 13000], Decimal("0.1"))
    assert sum(shares) == Decimal(1000)
    assert shares[:3] == [Decimal("376.3"), Decimal("268.8"), Decimal("215.1")]


def test_relative_dates():
    loader = park_loader.ParkLoader({}, today=datetime.date(2026, 11, 26))
    assert loader.date("+45d", "x") == datetime.date(2027, 1, 10)
    assert loader.date("0d", "x") == datetime.date(2026, 11, 26)
    assert loader.date("2025-10-01", "x") == datetime.date(2025, 10, 1)
    with pytest.raises(park_loader.ParkDataError, match="x：日期"):
        loader.date("soon", "x")
