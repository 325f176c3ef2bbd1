"""Reads shared by several screens (planner, portal, staff lists, admin, reports). Each runs a fixed number of queries whatever the number of seats.

Only the seats that exist on the day count ([available_from, retired_on)); a seat's condition on the day comes
from its dated outages. Buckets are exclusive, so leased + free + out_of_service == seats:
- leased: held by a LeaseSeat on the day (whatever the seat's condition);
- out of service: out of service on the day and not held;
- free: in service and not held on the day. Of these, `booked` are held from a later day (their own state on
  the floor plan) and `open` are held by nobody from the day on.
Allocation rate = leased / seats.

One module per subject: occupancy (counted seats per zone, building, floor), seats (a floor's seats on a day,
holders, free seats, the tenant's view, the stacking plan), firms, capacity (zone-D phases), leases. Import the
package: ``from parkops.leases import selectors; selectors.zone_occupancy(on)``. Reads only the report pages use
live in parkops.reports.selectors.
"""
from .occupancy import add_up, floors_with_free_seats, Occupancy, occupancy_by, OOS, zone_occupancy
from .seats import (
    building_stack,
    floor_counts,
    FloorCounts,
    FloorStack,
    free_seats,
    holder_on,
    holding_conflicts,
    IN,
    seat_holders,
    seat_states,
    seats_free_over,
    some_seat_states,
    seats_with_holder,
    SeatState,
    tenant_floor_map,
    TenantSeat,
)
from .firms import firm_allocation, FirmAllocation, firms_with_figures, FloorHolding, with_firm_figures
from .capacity import phase_capacity, PhaseCapacity
from .leases import leases_with_seats, with_seats_on

__all__ = [
    "add_up",
    "floors_with_free_seats",
    "Occupancy",
    "occupancy_by",
    "OOS",
    "zone_occupancy",
    "building_stack",
    "floor_counts",
    "FloorCounts",
    "FloorStack",
    "free_seats",
    "holder_on",
    "holding_conflicts",
    "IN",
    "seat_holders",
    "seat_states",
    "seats_free_over",
    "some_seat_states",
    "seats_with_holder",
    "SeatState",
    "tenant_floor_map",
    "TenantSeat",
    "firm_allocation",
    "FirmAllocation",
    "firms_with_figures",
    "FloorHolding",
    "with_firm_figures",
    "phase_capacity",
    "PhaseCapacity",
    "leases_with_seats",
    "with_seats_on",
]
