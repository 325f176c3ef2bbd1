"""The firm autocomplete every firm picker asks as staff type (firms.pickers, static/js/firmpicker.js)."""
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from parkops.core.access import staff_required

from .matching import firm_matches


@require_GET
@staff_required
def firm_autocomplete(request):
    """Return every firm whose full, short or English name contains the typed text, ranked as the forms
    resolve it (firms.matching.firm_matches): HTML options, a <datalist> with ?as=datalist, JSON with ?format=json.

    The text is ?q=, or ?firm_q= (the pickers' own field name, which htmx sends as it is). ?exited=1 lists
    firms that have left the park too (the list filters' pickers: their leases stay on record).
    """
    q = (request.GET.get("q") or request.GET.get("firm_q") or "").strip()[:200]
    firms = firm_matches(q, include_exited=request.GET.get("exited") == "1")
    if request.GET.get("format") == "json":
        return JsonResponse({"results": [{"id": f.pk, "name": f.name, "short_name": f.short_name, "name_en": f.name_en} for f in firms]})
    template = "firms/_firm_datalist.html" if request.GET.get("as") == "datalist" else "firms/_firm_options.html"
    return render(request, template, {"firms": firms, "q": q})
