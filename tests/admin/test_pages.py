"""Every registered admin page renders for a bureau admin within a fixed number of queries,
the same at two data sizes (no query per row)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_park

PARK_APPS = {"zones", "firms", "leases"}
MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PARK_APPS),
    key=lambda m: (m._meta.app_label, m._meta.model_name),
)
MAX_QUERIES = 30


def _urls(model):
    info = (model._meta.app_label, model._meta.model_name)
    obj = model._default_manager.order_by("pk").last()
    urls = {"changelist": reverse("admin:%s_%s_changelist" % info), "add": reverse("admin:%s_%s_add" % info)}
    if obj is not None:
        urls["change"] = reverse("admin:%s_%s_change" % info, args=[obj.pk])
        urls["history"] = reverse("admin:%s_%s_history" % info, args=[obj.pk])
    return urls


def test_every_park_model_is_registered():
    from django.apps import apps

    for label in PARK_APPS:
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                assert model in admin.site._registry, model


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages_render_in_fixed_queries(admin_client, bureau_admin, model):
    """Changelist, add, change and history pages: the same query count with 2 firms and with 8."""
    make_park(2, by=bureau_admin)
    urls = _urls(model)
    for url in urls.values():  # warm the session and Django's caches (content types, permissions)
        admin_client.get(url)
    assert set(urls) == {"changelist", "add", "change", "history"}
    small = {page: _count(admin_client, url) for page, url in urls.items()}
    make_park(6, first=2, by=bureau_admin)
    urls = _urls(model)
    large = {page: _count(admin_client, url) for page, url in urls.items()}
    print(f"QUERIES {model.__name__}: {small} -> {large}")
    assert large == small
    assert max(large.values()) <= MAX_QUERIES


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_offers_export_of_selected_rows(admin_client, model):
    info = (model._meta.app_label, model._meta.model_name)
    response = admin_client.get(reverse("admin:%s_%s_changelist" % info))
    assert "export_admin_action" in dict(response.context["action_form"].fields["action"].choices)
