"""The private APIs the code still touches, each pinned to the library's behaviour: core.adminkit.mark_saved
(Model._state.adding), PrefilledInlineFormSet (BaseFormSet._construct_form) and the backup's JSON serializer
(JSONSerializer._init_options).

If Django stops keeping ``Model._state.adding``, or stops reading it where the admin and its formsets go on with
a saved object, these tests fail: then mark_saved must change with it (or may go).
"""
import inspect

from django.contrib.admin import ModelAdmin
from django.contrib.admin.models import LogEntry
from django.db.models.base import ModelState
from django.forms.models import BaseInlineFormSet
from django.urls import reverse

from parkops.core.adminkit import mark_saved
from parkops.leases.models import Lease
from tests import factories
from tests.admin.test_lease_admin import ADD_URL, lease_post


def test_django_keeps_the_adding_flag_that_save_clears(db):
    assert ModelState().adding is True
    lease = factories.make_lease()
    assert lease._state.adding is False  # Model.save() cleared it
    assert Lease()._state.adding is True and Lease.objects.get(pk=lease.pk)._state.adding is False


def test_django_still_reads_the_flag_after_a_save():
    # The admin's list_editable save and inline formsets decide "new or existing" from it.
    assert "_state.adding" in inspect.getsource(ModelAdmin.changelist_view)
    assert "_state.adding" in inspect.getsource(BaseInlineFormSet.add_fields)


def test_mark_saved_makes_the_unsaved_object_stand_for_the_saved_row(db):
    saved = factories.make_lease()
    obj = Lease(firm=saved.firm, start=saved.start, end=saved.end)
    mark_saved(obj, saved)
    assert obj.pk == saved.pk and obj._state.adding is False


def test_admin_add_through_the_service_goes_on_with_the_saved_lease(admin_client, floor, firm):
    """The add view saves through lease_create, then goes on with its own object: the inline holdings under it,
    the log entry naming it, the "continue editing" redirect to its change page."""
    seats = list(floor.seats.order_by("code")[:2])
    response = admin_client.post(ADD_URL, {**lease_post(firm, seats), "_continue": "1"})
    lease = Lease.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:leases_lease_change", args=[lease.pk])
    assert lease.lease_seats.count() == 2
    assert LogEntry.objects.get().object_id == str(lease.pk)


def test_formsets_still_build_every_row_through_construct_form():
    from django.forms.formsets import BaseFormSet

    from parkops.core.adminkit import PrefilledInlineFormSet

    assert "self._construct_form(" in inspect.getsource(BaseFormSet.forms.func)
    assert "_construct_form" in vars(PrefilledInlineFormSet)


def test_the_json_serializer_still_takes_its_encoder_from_init_options(db):
    import datetime

    from django.core.serializers.json import Serializer as JSONSerializer
    from django.utils import timezone

    from parkops.core.serializers import Serializer

    assert "self._init_options()" in inspect.getsource(JSONSerializer.start_serialization)
    lease = factories.make_lease()
    Lease.objects.filter(pk=lease.pk).update(created=timezone.make_aware(datetime.datetime(2026, 1, 2, 3, 4, 5, 120000)))
    text = Serializer().serialize(Lease.objects.filter(pk=lease.pk))
    assert ":04:05.120000Z" in text  # DjangoJSONEncoder alone would cut the fraction to milliseconds (.120)
