"""The one firm-scoping queryset (parkops.core.scoping): every model that a tenant may see declares its path to
the firm once, the path really ends at the firm, and distinct() is asked for exactly when the path crosses a
to-many relation."""
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from parkops.core.access import get_firm_member_model
from parkops.core.scoping import FirmScopedQuerySet

SCOPED = {
    "firms.Firm", "firms.FirmMember", "zones.Floor", "zones.Seat", "leases.Lease", "leases.LeaseSeat",
    "leases.CapacityReservation", "leases.SeatRequest", "leases.HeadcountReport",
}


def _scoped_models():
    return {m._meta.label: m for m in apps.get_models() if hasattr(m._default_manager, "visible_to")}


def _walk(model, path: str):
    """Return the model at the end of a lookup path and whether the path crosses a to-many relation."""
    many = False
    for name in path.split("__"):
        if name == "pk":
            continue
        field = model._meta.get_field(name)
        many |= bool(field.one_to_many or field.many_to_many)
        model = field.related_model
    return model, many


def test_every_visible_to_is_the_one_scoping_queryset():
    models = _scoped_models()
    assert set(models) == SCOPED
    for label, model in models.items():
        qs = model._default_manager.all()
        assert isinstance(qs, FirmScopedQuerySet), label
        assert type(qs).visible_to is FirmScopedQuerySet.visible_to, f"{label} writes its own visible_to"
        assert type(qs).for_firm is FirmScopedQuerySet.for_firm, f"{label} writes its own for_firm"


def test_each_firm_path_ends_at_the_firm_and_declares_distinct_when_it_crosses_a_to_many():
    firm_model = get_firm_member_model()._meta.get_field("firm").related_model
    for label, model in _scoped_models().items():
        qs = model._default_manager.all()
        assert qs.firm_path, label
        end, many = _walk(model, qs.firm_path)
        assert end is firm_model, (label, qs.firm_path)
        assert qs.firm_path_many is many, (label, qs.firm_path)


def test_the_zones_paths_to_a_firm_are_one_declaration():
    from parkops.zones.models import SEAT_FIRM_PATH, Floor, Seat

    assert Seat.objects.all().firm_path == SEAT_FIRM_PATH
    assert Floor.objects.all().firm_path == f"seats__{SEAT_FIRM_PATH}"


def test_a_queryset_without_a_path_refuses_to_guess():
    class Undeclared(FirmScopedQuerySet):
        pass

    qs = Undeclared(model=apps.get_model("leases", "Lease"))
    with pytest.raises(ImproperlyConfigured, match="firm_path"):
        qs.for_firm(1)


@pytest.mark.django_db
def test_for_firm_takes_a_firm_or_its_id_and_returns_each_row_once(firm, other_firm, floor):
    from parkops.zones.models import Floor, Seat
    from tests.factories import make_lease

    seats = list(Seat.objects.filter(floor=floor).order_by("code"))
    make_lease(firm, seats=seats[:3])
    make_lease(firm, seats=seats[3:5])
    make_lease(other_firm, seats=seats[5:6])
    assert list(Floor.objects.for_firm(firm)) == [floor] == list(Floor.objects.for_firm(firm.pk))
    assert Seat.objects.for_firm(firm).count() == 5
    assert Seat.objects.for_firm(other_firm).count() == 1
