"""Each report's figures against the hand-computed small park (tests/reports/conftest.py), at several dates."""
import pytest

from parkops.leases import selectors as leases_selectors
from parkops.reports import selectors
from tests.reports.conftest import D


def by_label(rows):
    return {r.label: (r.seats, r.leased, r.free, r.out_of_service, r.rate_pct) for r in rows}


@pytest.mark.parametrize(
    "on, expected",
    [
        # (seats, leased, free, out of service, rate %)
        (D(2025, 12, 31), {"A": (4, 0, 3, 1, 0.0), "B": (3, 0, 2, 1, 0.0), "C": (4, 0, 4, 0, 0.0)}),
        (D(2026, 4, 1), {"A": (4, 3, 0, 1, 75.0), "B": (3, 2, 0, 1, 66.7), "C": (4, 3, 1, 0, 75.0)}),
        # C3 released on 2026-05-10: free from that day.
        (D(2026, 5, 10), {"A": (4, 3, 0, 1, 75.0), "B": (3, 2, 0, 1, 66.7), "C": (4, 2, 2, 0, 50.0)}),
        # Last day of L1 and first day of L2 (back-to-back): A1 A2 counted once each, no gap.
        (D(2026, 6, 30), {"A": (4, 3, 0, 1, 75.0), "B": (3, 2, 0, 1, 66.7), "C": (4, 2, 2, 0, 50.0)}),
        (D(2026, 7, 1), {"A": (4, 3, 0, 1, 75.0), "B": (3, 2, 0, 1, 66.7), "C": (4, 2, 2, 0, 50.0)}),
        # L3 ends 2026-09-15 (exclusive): its last day is the 14th.
        (D(2026, 9, 14), {"A": (4, 3, 0, 1, 75.0), "B": (3, 2, 0, 1, 66.7), "C": (4, 2, 2, 0, 50.0)}),
        (D(2026, 9, 15), {"A": (4, 2, 1, 1, 50.0), "B": (3, 0, 2, 1, 0.0), "C": (4, 2, 2, 0, 50.0)}),
        (D(2027, 1, 1), {"A": (4, 0, 3, 1, 0.0), "B": (3, 0, 2, 1, 0.0), "C": (4, 2, 2, 0, 50.0)}),
    ],
)
def test_zone_occupancy_at_dates(park, on, expected):
    rows = leases_selectors.zone_occupancy(on)
    got = {r.obj.code: (r.seats, r.leased, r.free, r.out_of_service, r.rate_pct) for r in rows}
    assert got == expected
    assert {r.obj.code: r.declared for r in rows} == {"A": 10, "B": 8, "C": 6}


def test_building_and_floor_occupancy(park):
    buildings = {r.obj.code: (r.seats, r.leased, r.free, r.out_of_service) for r in selectors.building_occupancy(D(2026, 4, 1))}
    assert buildings == {"A-1": (4, 3, 0, 1), "B-1": (3, 2, 0, 1), "C-1": (4, 3, 1, 0)}
    floors = {r.obj.code: (r.seats, r.leased, r.free, r.rate_pct) for r in selectors.floor_occupancy(D(2026, 6, 1))}
    assert floors == {"A-1-1F": (4, 3, 0, 75.0), "B-1-2F": (3, 2, 0, 66.7), "C-1-3F": (2, 2, 0, 100.0), "C-1-4F": (2, 0, 2, 0.0)}


def firm_rows(on):
    return {
        r.firm.short_name: (r.leased, r.headcount, r.utilisation_pct, r.over_density, r.under_use)
        for r in selectors.firm_occupancy(on)
    }


def test_firm_occupancy_flags_over_density_and_under_use(park):
    # 甲 reported 3 people for 2 seats: 150 %, over-dense. 乙's April report (2) is the latest on 1 April.
    assert firm_rows(D(2026, 4, 1)) == {
        "甲": (2, 3, 150.0, True, False),
        "乙": (3, 2, 66.7, False, False),
        "丙": (3, None, None, False, False),
    }
    # On 31 March 乙's latest report is February's (1 person for 3 seats): under-used.
    assert firm_rows(D(2026, 3, 31))["乙"] == (3, 1, 33.3, False, True)
    # After L3 ended, 乙 holds nothing but has reported headcount: listed, no rate.
    assert firm_rows(D(2026, 10, 1))["乙"] == (0, 2, None, False, False)
    # Before any lease or report, nobody is listed.
    assert firm_rows(D(2025, 12, 1)) == {}


def test_business_line_occupancy_counts_a_firm_in_each_of_its_lines(park):
    rows = {r.label: (r.firms, r.leased, r.headcount, r.utilisation_pct) for r in selectors.business_line_occupancy(D(2026, 4, 1))}
    assert rows == {"呼叫中心": (2, 5, 5, 100.0), "数据标注": (1, 3, 2, 66.7)}


def test_trend_rule_mid_month_start_counts_mid_month_end_does_not(park):
    months = selectors.trend_months(D(2026, 12, 15), 12)
    assert [m.month for m in months][:2] == [D(2026, 1, 1), D(2026, 2, 1)]
    assert months[-1].day == D(2026, 12, 15)  # the current month is counted on the as-of date
    trends = {t.zone.code: t for t in selectors.zone_trends(months)}
    #                        J  F  M  A  M  J  J  A  S  O  N  D
    assert trends["A"].leased == [2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2]
    # B1 B2 from 15 March (counted in March) to 15 September (not counted in September).
    assert trends["B"].leased == [0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0]
    # C3 released on 10 May: not counted in May.
    assert trends["C"].leased == [0, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2]
    assert trends["B"].rates[2] == 66.7 and trends["C"].rates[1] == 75.0


def test_trend_months_cover_24_months_ending_with_the_as_of_month():
    months = selectors.trend_months(D(2026, 2, 10))
    assert len(months) == 24
    assert months[0].month == D(2024, 3, 1) and months[0].day == D(2024, 3, 31)
    assert months[-2].day == D(2026, 1, 31) and months[-1].day == D(2026, 2, 10)


def test_firm_trends_carry_headcount_forward(park):
    months = selectors.trend_months(D(2026, 6, 30), 6)
    trends = {t.firm.short_name: t for t in selectors.firm_trends(months)}
    assert trends["乙"].leased == [0, 0, 3, 3, 3, 3]
    assert trends["乙"].headcount == [None, 1, 1, 2, 2, 2]
    assert trends["甲"].headcount == [None, None, 3, 3, 3, 3]
    assert trends["丙"].headcount == [None] * 6 and trends["丙"].leased == [0, 3, 3, 3, 2, 2]


def test_expiry_per_firm_in_30_60_90_days(park):
    rows = {e.firm.short_name: e for e in selectors.expiring_by_firm(D(2026, 6, 20))}
    assert set(rows) == {"甲", "乙"}
    # L1 ends 1 July: within 30 days; its two seats continue under L2 the same day, so none is freed.
    assert rows["甲"].leases == {30: 1, 60: 1, 90: 1}
    assert rows["甲"].seats == {30: 2, 60: 2, 90: 2}
    assert rows["甲"].seats_freed == {30: 0, 60: 0, 90: 0}
    # L3 ends 15 September: 87 days away.
    assert rows["乙"].leases == {30: 0, 60: 0, 90: 1}
    assert rows["乙"].seats == {30: 0, 60: 0, 90: 3}
    assert rows["乙"].seats_freed == {30: 0, 60: 0, 90: 3}
    assert [lease.number for lease in selectors.expiring_leases(D(2026, 6, 20))] == ["L1", "L3"]
    # The day a lease ends it is no longer expiring: L1's end (1 July) is not in (1 July, ...].
    july = {e.firm.short_name: e for e in selectors.expiring_by_firm(D(2026, 7, 1))}
    assert july["乙"].leases[90] == 1 and "甲" not in july


def test_forecast_flags_over_capacity_and_late_handover(zone_d):
    months = selectors.forward_months(D(2026, 11, 26), 12)
    phases = {p.phase.number: p for p in selectors.phase_forecast(D(2026, 11, 26), months)}
    p1, p2 = phases[1], phases[2]
    #                       2026-11 12 2027-01 02 03 04 05 06 07 ...
    assert p1.reserved[:9] == [0, 0, 6, 6, 6, 6, 6, 10, 10]
    assert p1.leased[:9] == [0, 0, 0, 0, 0, 2, 2, 2, 2]
    assert p1.capacity.planned == 10 and p1.capacity.reserved == 10 and p1.capacity.laid_out == 2
    assert p1.over_capacity  # June 2027: 10 reserved + 2 leased > 10
    assert p1.handover_late and (p1.late_reservations, p1.late_seats) == (1, 6)  # wanted 2027-01-01, handover 2027-03-01
    assert p2.reserved == [3] * 12 and p2.undated_seats == 3
    assert not p2.over_capacity and not p2.handover_late


def test_headline(park, zone_d):
    h = selectors.park_headline(D(2026, 11, 26))
    # Zones in operation only (zone D is under construction): A1 A2 (L2) and C1 C2 (L4).
    assert [z.label for z in h.operating] == ["A", "B", "C"]
    assert (h.declared, h.seats, h.leased, h.free, h.out_of_service) == (24, 11, 4, 5, 2)
    assert h.rate_pct == 36.4
    assert h.firms_operating == 3
    assert h.headcount == 5  # 甲 3 (March) + 乙 2 (April)
    # Committed: 10 reserved plus L5's 2 seats, booked from 2027-04-01 (issue 12 item 8).
    assert h.first_phase.phase.number == 1 and h.first_phase.committed == 12 and h.first_phase.booked == 2
