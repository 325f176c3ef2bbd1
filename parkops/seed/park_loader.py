"""Build the real park described in fixtures/park.json (the default data set) into the database.

Supply rows (zones, phases, buildings, floors, seats, firms) are made in bulk, with their history
(simple-history's bulk_create_with_history). Every allocation row (leases and their seats,
terminations, out-of-service seats, zone-D reservations, seat requests, headcount reports) goes
through parkops.leases.services, so the demo holds only data the product itself could produce.

Dates in the file are ISO dates (absolute) or offsets from the day of loading: "-30m" (months),
"+45d" (days), "0d" (today), so the demo's expiring leases and history stay fresh.
The caller runs ``ParkLoader.run`` inside one transaction: a bad file changes nothing.
"""
from __future__ import annotations

import calendar
import datetime
import json
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parkops.firms.choices import FirmStatus
from parkops.firms.models import BusinessLine, Firm, FirmMember
from parkops.leases import services
from parkops.leases.choices import RentTerms
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.leases.selectors import zone_occupancy
from parkops.zones.choices import SeatCondition, SeatKind
from parkops.zones.models import Building, Floor, Phase, Seat, SeatOutage, Zone

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "park.json"
# When seats exist from, unless the file says (a building's or zone's "opened"): zones A-C from 2008, when Ping An's
# centre came to Dongxing and the district's outsourcing industry began; a zone-D building from its phase's
# (earliest) handover date. Zone D's reservations stand from February 2024, when 25 firms had chosen space there.
PARK_OPENED = datetime.date(2008, 1, 1)
RESERVED_ON = datetime.date(2024, 2, 1)
DEMO_NOTE = "演示数据：席位数、租期与租金为假设。"
OFFSET = re.compile(r"^([+-]?\d+)([dm])$")

# Deletion order for --replace: rows before the rows they point at (PROTECT foreign keys).
PARK_MODELS = [
    LeaseSeat, HeadcountReport, SeatRequest, CapacityReservation, Lease, FirmMember,
    Firm.business_lines.through, Firm, BusinessLine, SeatOutage, Seat, Floor, Building, Phase, Zone,
]


class ParkDataError(Exception):
    """The park file is wrong; the message names the entry, the field and the fix."""


def load_file(path: Path | str = DEFAULT_FILE) -> dict:
    """Return the parsed park file, or raise ParkDataError naming the line of a syntax error."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError as exc:
        raise ParkDataError(f"找不到园区数据文件 {path}；请检查路径（默认 fixtures/park.json）。") from exc
    except json.JSONDecodeError as exc:
        raise ParkDataError(f"{path} 第 {exc.lineno} 行第 {exc.colno} 列 JSON 格式错误：{exc.msg}。") from exc


def park_is_loaded() -> bool:
    """Return True when any park data (zones or firms) is already in the database."""
    return Zone.objects.exists() or Firm.objects.exists()


@dataclass
class UserLinks:
    """How users were tied to firms before a wipe (memberships, task-force leads), by firm name."""

    members: list[tuple[int, str, str]] = field(default_factory=list)
    leads: list[tuple[str, int]] = field(default_factory=list)


def wipe_park() -> UserLinks:
    """Delete every park row and its history (not users). Return the users' links to firms, to restore."""
    links = UserLinks(
        members=list(FirmMember.objects.values_list("user_id", "firm__name", "role")),
        leads=list(Firm.objects.filter(task_force_lead__isnull=False).values_list("name", "task_force_lead_id")),
    )
    quote = connection.ops.quote_name
    tables = []
    for model in PARK_MODELS:
        history = getattr(model, "history", None)
        if history is not None:
            tables.append(history.model._meta.db_table)
        tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        # Plain DELETEs: going through the ORM would write a "deleted" history row per seat.
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
    return links


def restore_links(links: UserLinks) -> int:
    """Re-attach users to the reloaded firms of the same name. Return how many memberships were restored."""
    names = {name for _, name, _ in links.members} | {name for name, _ in links.leads}
    firms = {f.name: f for f in Firm.objects.filter(name__in=names)}
    members = [
        FirmMember(user_id=uid, firm=firms[name], role=role) for uid, name, role in links.members if name in firms
    ]
    FirmMember.objects.bulk_create(members)
    lead_of = dict(links.leads)
    led = [firm for name, firm in firms.items() if name in lead_of]
    for firm in led:
        firm.task_force_lead_id = lead_of[firm.name]
    if led:
        bulk_update_with_history(led, Firm, ["task_force_lead"], default_change_reason="load_park")
    return len(members)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def split_proportionally(total: Decimal, weights: list[int], quantum: Decimal) -> list[Decimal]:
    """Split `total` in proportion to `weights`, rounded to `quantum`; the last share takes the rounding rest."""
    whole = sum(weights)
    shares = [(total * w / whole).quantize(quantum, rounding=ROUND_HALF_UP) for w in weights[:-1]]
    return shares + [total - sum(shares)]


@dataclass(eq=False)
class Holding:
    """Seats a firm holds under one lease over [start, end), as the loader allocated them.

    The loader keeps its own copy so it can pick free seats and derive headcounts without a
    query per lease; the services hold the truth and refuse anything that disagrees with it.
    """

    firm: str
    lease_id: int
    start: datetime.date
    end: datetime.date
    seats: list[Seat] = field(default_factory=list)

    def overlaps(self, start: datetime.date, end: datetime.date) -> bool:
        return self.start < self.end and self.start < end and start < self.end


class ParkLoader:
    """Build the park from the parsed file. Call ``run()`` inside a transaction."""

    def __init__(self, data: dict, *, today: datetime.date | None = None):
        self.data = data
        self.today = today or timezone.localdate()
        self.lines: dict[str, BusinessLine] = {}
        self.zones: dict[str, Zone] = {}
        self.phases: dict[int, Phase] = {}
        self.buildings: dict[str, Building] = {}
        self.seats_by_building: dict[str, list[Seat]] = defaultdict(list)
        self.seat_by_code: dict[str, Seat] = {}
        self.firms: dict[str, Firm] = {}
        self.exited: list[str] = []
        self.out_of_service: set[int] = set()
        self.booked: dict[int, list[Holding]] = defaultdict(list)
        self.holdings: list[Holding] = []

    def run(self) -> None:
        """Build supply, firms and the demo allocation, in that order."""
        self.load_business_lines()
        self.load_zones()
        self.load_firms()
        self.load_out_of_service()
        self.load_leases()
        self.load_reservations()
        self.load_seat_requests()
        self.load_headcount()
        self.mark_exited_firms()

    # --- reading the file -----------------------------------------------------------------------

    def need(self, spec: dict, key: str, where: str):
        if key not in spec:
            raise ParkDataError(f"{where}：缺少字段“{key}”；请在 park.json 中补上。")
        return spec[key]

    def date(self, value, where: str) -> datetime.date:
        """Return an ISO date or an offset ("-30m", "+45d", "0d") from the day of loading."""
        match = OFFSET.match(str(value).strip())
        if match:
            amount, unit = int(match.group(1)), match.group(2)
            return add_months(self.today, amount) if unit == "m" else self.today + datetime.timedelta(days=amount)
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ParkDataError(
                f"{where}：日期“{value}”无法识别；请写 ISO 日期（2025-10-01）或相对日期（-30m、+45d、0d）。"
            ) from exc

    def firm(self, name: str, where: str) -> Firm:
        try:
            return self.firms[name]
        except KeyError:
            raise ParkDataError(f"{where}：企业“{name}”不在 firms 或 demo_firms 中；请使用企业简称。") from None

    @contextmanager
    def entry(self, where: str):
        """Re-raise a service's ValidationError with the file entry that caused it."""
        try:
            yield
        except ValidationError as exc:
            raise ParkDataError(f"{where}：{'；'.join(exc.messages)}") from exc

    def clean(self, obj, where: str, exclude: list[str]) -> None:
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise ParkDataError(f"{where}：{'；'.join(exc.messages)}") from exc

    # --- supply ---------------------------------------------------------------------------------

    def load_business_lines(self) -> None:
        rows = [
            BusinessLine(
                code=self.need(s, "code", f"business_lines[{i}]"), name=self.need(s, "name", f"business_lines[{i}]"),
                name_en=s.get("name_en", ""), sort_order=i,
            )
            for i, s in enumerate(self.need(self.data, "business_lines", "park.json"))
        ]
        self.lines = {line.code: line for line in BusinessLine.objects.bulk_create(rows)}

    def load_zones(self) -> None:
        specs = self.need(self.data, "zones", "park.json")
        zones = [self.make_zone(spec, i) for i, spec in enumerate(specs)]
        self.zones = {z.code: z for z in bulk_create_with_history(zones, Zone, default_change_reason="load_park")}
        phases = [p for i, spec in enumerate(specs) for p in self.make_phases(spec, f"zones[{i}]")]
        self.phases = {p.number: p for p in bulk_create_with_history(phases, Phase, default_change_reason="load_park")}
        buildings = [b for i, spec in enumerate(specs) for b in self.make_buildings(spec, f"zones[{i}]")]
        bulk_create_with_history(buildings, Building, default_change_reason="load_park")
        self.buildings = {b.code: b for b in buildings}
        floors = [f for i, spec in enumerate(specs) for f in self.make_floors(spec, f"zones[{i}]")]
        bulk_create_with_history([f for f, _ in floors], Floor, default_change_reason="load_park")
        self.load_seats(floors)

    def make_zone(self, spec: dict, index: int) -> Zone:
        where = f"zones[{index}]"
        declared = spec.get("declared_seats")
        if declared is None:
            declared = sum(p["planned_capacity"] for p in spec.get("phases", ()))
        zone = Zone(
            code=self.need(spec, "code", where), name=self.need(spec, "name", where), name_en=spec.get("name_en", ""),
            status=spec.get("status", "operating"), gross_area_m2=spec.get("area_m2", 0), declared_seats=declared,
            address=spec.get("address", ""), sort_order=index + 1, note=spec.get("note", ""),
        )
        self.clean(zone, where, exclude=[])
        return zone

    def make_phases(self, spec: dict, where: str) -> list[Phase]:
        phases = spec.get("phases", [])
        if not phases:
            return []
        totals = self.need(spec, "phase_totals", where)
        weights = [self.need(p, "planned_capacity", f"{where}.phases[{i}]") for i, p in enumerate(phases)]
        land = split_proportionally(Decimal(totals["land_mu"]), weights, Decimal("0.1"))
        money = split_proportionally(Decimal(totals["investment_cny"]), weights, Decimal("1"))
        rows = []
        for i, p in enumerate(phases):
            pw = f"{where}.phases[{i}]"
            phase = Phase(
                zone=self.zones[spec["code"]], number=self.need(p, "number", pw), name=p.get("name", ""),
                planned_capacity=p["planned_capacity"], land_mu=land[i], investment_cny=money[i],
                status=p.get("status", "planned"), note=p.get("note", ""),
                expected_handover=self.date(p["expected_handover"], pw) if p.get("expected_handover") else None,
                actual_handover=self.date(p["actual_handover"], pw) if p.get("actual_handover") else None,
            )
            self.clean(phase, pw, exclude=["zone"])
            rows.append(phase)
        return rows

    def make_buildings(self, spec: dict, where: str) -> list[Building]:
        rows = []
        for i, b in enumerate(spec.get("buildings", [])):
            bw = f"{where}.buildings[{i}]"
            phase = None
            if b.get("phase") is not None:
                phase = self.phases.get(b["phase"])
                if phase is None:
                    raise ParkDataError(f"{bw}：分期 {b['phase']} 不存在；请先在 phases 中声明。")
            building = Building(
                zone=self.zones[spec["code"]], phase=phase,
                code=self.need(b, "code", bw), name=self.need(b, "name", bw),
                functional_area=b.get("functional_area", "enterprise_work_zone"),
                floors_above=b.get("floors_above", 1), note=b.get("note", ""),
            )
            if building.code in self.buildings or any(r.code == building.code for r in rows):
                raise ParkDataError(f"{bw}：楼栋代码 {building.code} 重复；楼栋代码须全园唯一。")
            self.clean(building, bw, exclude=["zone", "phase"])
            building._spec = b
            rows.append(building)
            self.buildings[building.code] = building
        return rows

    def make_floors(self, spec: dict, where: str) -> list[tuple[Floor, dict]]:
        """Return (floor, its layout spec) pairs; floors without an explicit area share the zone's area by seats."""
        pairs = []
        for building in (b for b in self.buildings.values() if b.zone.code == spec["code"]):
            for i, f in enumerate(building._spec.get("floors", [])):
                fw = f"{where}.{building.code}.floors[{i}]"
                for level in self.need(f, "levels", fw):
                    floor = Floor(
                        building=building, level=level, label=f.get("label", ""), area_m2=f.get("area_m2", 0),
                        grid_rows=self.need(f, "rows", fw), grid_cols=self.need(f, "cols", fw),
                    )
                    self.clean(floor, fw, exclude=["building"])
                    pairs.append((floor, {**f, "_where": fw, "_building": building._spec}))
        self.share_area(spec.get("area_m2", 0), [(fl, f) for fl, f in pairs if "area_m2" not in f])
        return pairs

    def share_area(self, area: int, pairs: list[tuple[Floor, dict]]) -> None:
        seats = [self.floor_seat_count(f) for _, f in pairs]
        if not pairs or not sum(seats):
            return
        for (floor, _), share in zip(pairs, split_proportionally(Decimal(area), seats, Decimal("1"))):
            floor.area_m2 = int(share)

    def floor_seat_count(self, f: dict) -> int:
        cells = f["rows"] * (f["cols"] - len(f.get("aisle_cols", [])))
        seats = f.get("seats", cells)
        if seats > cells:
            raise ParkDataError(
                f"{f['_where']}：{seats} 个席位放不下 {f['rows']}×{f['cols']} 的网格（去掉过道后 {cells} 格）；请放大网格或减少席位。"
            )
        return seats

    def load_seats(self, floors: list[tuple[Floor, dict]]) -> None:
        seats = []
        for floor, f in floors:
            kind = f.get("kind", SeatKind.WORKSTATION)
            if kind not in SeatKind.values:
                raise ParkDataError(f"{f['_where']}：席位类型“{kind}”未知；可选 {', '.join(SeatKind.values)}。")
            computer = f["_building"].get("has_computer", True)
            aisles = set(f.get("aisle_cols", []))
            cells = [(r, c) for r in range(floor.grid_rows) for c in range(floor.grid_cols) if c not in aisles]
            opened = self.opened(floor.building, f["_where"])
            for n, (row, col) in enumerate(cells[: self.floor_seat_count(f)], start=1):
                seat = Seat(floor=floor, code=f"{floor.building.code}-{floor.level}F-{n:04d}", row=row, col=col,
                            kind=kind, has_computer=computer, available_from=opened)
                seats.append(seat)
        bulk_create_with_history(seats, Seat, batch_size=2000, default_change_reason="load_park")
        for seat in seats:
            self.seats_by_building[seat.floor.building.code].append(seat)
            self.seat_by_code[seat.code] = seat

    def opened(self, building: Building, where: str) -> datetime.date:
        """Return the day a building's seats exist from: its "opened", its zone's, its phase's handover, or 2008."""
        if building._spec.get("opened"):
            return self.date(building._spec["opened"], where)
        zone_spec = next((z for z in self.data.get("zones", []) if z.get("code") == building.zone.code), {})
        if zone_spec.get("opened"):
            return self.date(zone_spec["opened"], where)
        phase = building.phase
        handovers = [d for d in (phase and phase.expected_handover, phase and phase.actual_handover) if d]
        return min(handovers) if handovers else PARK_OPENED

    # --- firms ----------------------------------------------------------------------------------

    def load_firms(self) -> None:
        specs = [(s, f"firms[{i}]") for i, s in enumerate(self.need(self.data, "firms", "park.json"))]
        specs += self.demo_firm_specs()
        firms = [self.make_firm(spec, where) for spec, where in specs]
        full, short = [f.name for f in firms], [f.short_name for f in firms]
        duplicates = sorted({n for names in (full, short) for n in names if names.count(n) > 1})
        if duplicates:
            raise ParkDataError(f"firms：企业名称或简称重复：{'、'.join(duplicates)}；每家企业的全称和简称须唯一。")
        bulk_create_with_history(firms, Firm, default_change_reason="load_park")
        self.firms = {f.short_name: f for f in firms}
        through = Firm.business_lines.through
        links = [through(firm_id=f.pk, businessline_id=self.lines[code].pk) for f in firms for code in f._lines]
        through.objects.bulk_create(links)

    def demo_firm_specs(self) -> list[tuple[dict, str]]:
        demo = self.data.get("demo_firms")
        if not demo:
            return []
        lines, overrides = demo["lines"], demo.get("status_overrides", {})
        specs = []
        for n in range(1, demo["count"] + 1):
            specs.append(({
                "name": demo["name"].format(n=n), "short_name": demo["short_name"].format(n=n),
                "name_en": demo["name_en"].format(n=n), "note": demo.get("note", ""), "is_demo": True,
                "lines": [lines[(n - 1) % len(lines)], lines[n % len(lines)]],
                "status": overrides.get(str(n), demo.get("status", "signed")),
            }, f"demo_firms[{n}]"))
        return specs

    def make_firm(self, spec: dict, where: str) -> Firm:
        status = spec.get("status", FirmStatus.OPERATING)
        firm = Firm(
            name=self.need(spec, "name", where), short_name=self.need(spec, "short_name", where),
            name_en=spec.get("name_en", ""), parent_group=spec.get("parent_group", ""),
            is_top_ranked=spec.get("top_ranked", False), is_internship_base=spec.get("internship_base", False),
            is_demo=spec.get("is_demo", False),
            # An exited firm could not have signed its leases: it exits after they are loaded.
            status=FirmStatus.OPERATING if status == FirmStatus.EXITED else status,
            signed_on=self.date(spec["signed_on"], where) if spec.get("signed_on") else None,
            note=spec.get("note", ""),
        )
        self.clean(firm, where, exclude=["task_force_lead"])
        unknown = [code for code in spec.get("lines", []) if code not in self.lines]
        if unknown:
            raise ParkDataError(f"{where}：业态代码 {'、'.join(unknown)} 不在 business_lines 中；请检查拼写。")
        firm._lines = spec.get("lines", [])
        if status == FirmStatus.EXITED:
            self.exited.append(firm.short_name)
        return firm

    def mark_exited_firms(self) -> None:
        firms = [self.firms[name] for name in self.exited]
        for firm in firms:
            firm.status = FirmStatus.EXITED
        if firms:
            bulk_update_with_history(firms, Firm, ["status"], default_change_reason="load_park")

    # --- allocation, through the services ---------------------------------------------------------

    def load_out_of_service(self) -> None:
        for i, spec in enumerate(self.data.get("out_of_service", [])):
            where = f"out_of_service[{i}]"
            missing = [code for code in spec["seats"] if code not in self.seat_by_code]
            if missing:
                raise ParkDataError(f"{where}：席位 {'、'.join(missing)} 不存在；请检查席位编号（例如 C-1-3F-0001）。")
            seats = [self.seat_by_code[code] for code in spec["seats"]]
            since = self.date(spec["from"], where) if spec.get("from") else self.today
            with self.entry(where):
                services.seats_set_condition(
                    seats=seats, condition=SeatCondition.OUT_OF_SERVICE, on=since, note=spec.get("note", ""), by=None
                )
            self.out_of_service.update(s.pk for s in seats)

    def pick_seats(self, building: str, count: int, start: datetime.date, end: datetime.date, where: str) -> list[Seat]:
        """Return the first `count` in-service seats of a building (in code order) free over [start, end)."""
        if building not in self.buildings:
            raise ParkDataError(f"{where}：楼栋 {building} 不存在；可用楼栋：{'、'.join(self.buildings)}。")
        picked = []
        for seat in self.seats_by_building[building]:
            if seat.pk in self.out_of_service or any(h.overlaps(start, end) for h in self.booked[seat.pk]):
                continue
            picked.append(seat)
            if len(picked) == count:
                return picked
        raise ParkDataError(
            f"{where}：楼栋 {building} 在 {start} 至 {end} 只有 {len(picked)} 个空闲席位，不够 {count} 个；"
            f"请减少席位数或改选其他楼栋。"
        )

    def lease(self, firm: Firm, spec: dict, start: datetime.date, where: str) -> Lease:
        """Create one lease on seats picked in its building, through services.lease_create."""
        end = self.date(self.need(spec, "end", where), where)
        seats = self.pick_seats(self.need(spec, "building", where), self.need(spec, "seats", where), start, end, where)
        terms = spec.get("terms", RentTerms.FREE_POLICY)
        basis = self.data.get("policy_basis", "") if terms != RentTerms.MARKET else ""
        with self.entry(where):
            lease = services.lease_create(
                firm=firm, start=start, end=end, rent_terms=terms, monthly_rate=spec.get("rate", 0),
                policy_basis=basis, seats=seats, note=DEMO_NOTE, by=None,
            )
        self.hold(Holding(firm.short_name, lease.pk, start, end, seats))
        return lease

    def hold(self, holding: Holding) -> None:
        self.holdings.append(holding)
        for seat in holding.seats:
            self.booked[seat.pk].append(holding)

    def load_leases(self) -> None:
        for i, spec in enumerate(self.data.get("leases", [])):
            where = f"leases[{i}]"
            firm = self.firm(self.need(spec, "firm", where), where)
            lease = self.lease(firm, spec, self.date(self.need(spec, "start", where), where), where)
            for j, extra in enumerate(spec.get("add_seats", [])):
                self.add_seats(lease, {"building": spec["building"], **extra}, f"{where}.add_seats[{j}]")
            if spec.get("release"):
                self.release(lease, spec["release"], f"{where}.release")
            if spec.get("terminate"):
                self.terminate(lease, spec["terminate"], f"{where}.terminate")

    def add_seats(self, lease: Lease, spec: dict, where: str) -> None:
        """Hold more seats under a running lease from a later day (a new LeaseSeat range), via seats_allocate."""
        start = self.date(self.need(spec, "from", where), where)
        seats = self.pick_seats(spec["building"], self.need(spec, "seats", where), start, lease.end, where)
        with self.entry(where):
            services.seats_allocate(lease=lease, seats=seats, start=start, by=None)
        self.hold(Holding(lease.firm.short_name, lease.pk, start, lease.end, seats))

    def release(self, lease: Lease, spec: dict, where: str) -> None:
        """Give back the last N seats of the lease's first holding from `on`, via seats_release."""
        on, count = self.date(self.need(spec, "on", where), where), self.need(spec, "seats", where)
        holding = next((h for h in self.holdings if h.lease_id == lease.pk and h.start < on < h.end), None)
        if holding is None or count >= len(holding.seats):
            raise ParkDataError(f"{where}：租约在 {on} 没有多于 {count} 个在租席位可释放；请减少席位数或调整日期。")
        released, holding.seats = holding.seats[-count:], holding.seats[:-count]
        with self.entry(where):
            services.seats_release(lease=lease, seats=released, on=on, by=None)
        shortened = Holding(holding.firm, lease.pk, holding.start, on, released)
        self.holdings.append(shortened)
        for seat in released:
            self.booked[seat.pk] = [shortened if h is holding else h for h in self.booked[seat.pk]]

    def terminate(self, lease: Lease, spec: dict, where: str) -> None:
        on = self.date(self.need(spec, "on", where), where)
        with self.entry(where):
            services.lease_terminate(lease=lease, on=on, reason=spec.get("reason", ""), by=None)
        for holding in self.holdings:
            if holding.lease_id == lease.pk:
                holding.end = min(holding.end, on)

    def load_reservations(self) -> None:
        for i, spec in enumerate(self.data.get("reservations", [])):
            where = f"reservations[{i}]"
            phase = self.phases.get(self.need(spec, "phase", where))
            if phase is None:
                raise ParkDataError(f"{where}：分期 {spec['phase']} 不存在；可用分期：{'、'.join(map(str, self.phases))}。")
            with self.entry(where):
                services.reservation_create(
                    firm=self.firm(self.need(spec, "firm", where), where), phase=phase,
                    seats=self.need(spec, "seats", where), note=spec.get("note", ""),
                    wanted_from=self.date(spec["wanted_from"], where) if spec.get("wanted_from") else None,
                    reserved_on=self.date(spec["reserved_on"], where) if spec.get("reserved_on") else min(RESERVED_ON, self.today), by=None,
                )

    def load_seat_requests(self) -> None:
        for i, spec in enumerate(self.data.get("seat_requests", [])):
            where = f"seat_requests[{i}]"
            firm = self.firm(self.need(spec, "firm", where), where)
            zone = self.zones.get(spec["zone"]) if spec.get("zone") else None
            wanted = self.date(self.need(spec, "wanted_from", where), where)
            with self.entry(where):
                request = services.seat_request_create(
                    firm=firm, seats=self.need(spec, "seats", where), wanted_from=wanted,
                    reason=self.need(spec, "reason", where), zone_preference=zone, by=None,
                )
            if spec.get("decision"):
                self.decide(request, spec["decision"], wanted, f"{where}.decision")

    def decide(self, request: SeatRequest, spec: dict, wanted: datetime.date, where: str) -> None:
        lease = None
        if spec.get("approve"):
            lease = self.lease(request.firm, {**self.need(spec, "lease", where), "seats": request.seats}, wanted, where)
        with self.entry(where):
            services.seat_request_decide(
                request=request, approve=bool(spec.get("approve")), reason=spec.get("reason", ""), lease=lease, by=None
            )

    # --- headcount ------------------------------------------------------------------------------

    def seats_held(self, firm: str, day: datetime.date) -> int:
        return sum(len(h.seats) for h in self.holdings if h.firm == firm and h.start <= day < h.end)

    def load_headcount(self) -> None:
        """Report each listed firm's headcount as a share of the seats it held mid-month (a steady +-4% wobble)."""
        spec = self.data.get("headcount") or {}
        this_month = self.today.replace(day=1)
        for index, (name, ratio) in enumerate(spec.get("ratios", {}).items()):
            firm = self.firm(name, "headcount.ratios")
            months = spec.get("short_history", {}).get(name, spec.get("months", 12))
            days = [add_months(this_month, -n).replace(day=15) for n in range(months, 0, -1)]
            if name in spec.get("current_month", []):
                days.append(min(self.today, this_month.replace(day=15)))
            for n, day in enumerate(days):
                held = self.seats_held(name, day)
                if not held:
                    continue
                wobble = 1 + ((n * 7 + index * 3) % 9 - 4) / 100
                with self.entry(f"headcount.ratios.{name}"):
                    services.headcount_report_submit(firm=firm, month=day, headcount=round(held * ratio * wobble), by=None)


def park_summary(on: datetime.date | None = None) -> dict:
    """Return counted figures of the loaded park (for the command's report)."""
    on = on or timezone.localdate()
    return {
        "zones": zone_occupancy(on),
        "firms": Firm.objects.count(),
        "demo_firms": Firm.objects.filter(is_demo=True).count(),
        "leases": Lease.objects.count(),
        "lease_seats": LeaseSeat.objects.count(),
        "reservations": CapacityReservation.objects.count(),
        "seat_requests": SeatRequest.objects.count(),
        "headcount_reports": HeadcountReport.objects.count(),
    }
