"""Forms of the staff decision on a seat request: allocate seats, approve with a lease, or reject."""
import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateField, clamp
from parkops.leases.choices import RentTerms
from parkops.leases.models import Lease
from parkops.zones.models import Floor, Zone


class SeatRequestAllocateForm(forms.Form):
    """Approve a request by leasing N free in-service seats on a floor, or anywhere in a zone."""

    floor = forms.ModelChoiceField(
        Floor.objects.select_related("building").order_by("building__code", "level"),
        label=_("楼层"), required=False, help_text=_("不选楼层时，在所选区域内按楼栋、楼层顺序挑选空闲席位。"),
    )
    zone = forms.ModelChoiceField(Zone.objects.all(), label=_("区域"), required=False)
    seats = forms.IntegerField(label=_("席位数"), min_value=1, max_value=5000)
    start = ParkDateField(label=_("起租日"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = ParkDateField(label=_("止租日（不含）"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    rent_terms = forms.ChoiceField(label=_("租金条款"), choices=RentTerms.choices, initial=RentTerms.FREE_POLICY)
    monthly_rate = forms.DecimalField(label=_("每席月租（元）"), min_value=0, max_digits=10, decimal_places=2, initial=0)
    policy_basis = forms.CharField(label=_("政策依据"), max_length=200, required=False)
    reason = forms.CharField(label=_("处理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @classmethod
    def initial_for(cls, request, today: datetime.date) -> dict:
        """Return the form's first values: the request's seats and zone, from its wanted date for a year."""
        # A request stored before the product's date range was enforced may name any date: keep it inside.
        start = clamp(max(request.wanted_from, today))
        end = clamp(start + datetime.timedelta(days=365))
        return {"zone": request.zone_preference_id, "seats": request.seats, "start": start, "end": end}


class SeatRequestApproveForm(forms.Form):
    """Approve a request whose seats were already allocated (e.g. in the floor planner) under one of the firm's leases."""

    lease = forms.ModelChoiceField(Lease.objects.none(), label=_("租约"))
    reason = forms.CharField(label=_("处理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lease"].queryset = Lease.objects.filter(firm=firm).open_on(timezone.localdate()).order_by("-start")


class SeatRequestRejectForm(forms.Form):
    """Reject a request; the reason is shown to the firm in its portal."""

    decision_reason = forms.CharField(label=_("驳回理由"), widget=forms.Textarea(attrs={"rows": 3}))
