"""Who gets into the admin and what they may do there; the index in the park's order, in Chinese."""
import pytest
from django.conf import settings
from django.utils import translation
from django.urls import reverse

from parkops.leases.models import Lease
from parkops.zones.models import Zone
from tests import factories


def test_index_in_park_order_with_chinese_header(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "内江服务外包产业园 · 商务局管理后台" in response.content.decode()
    labels = [app["app_label"] for app in response.context["app_list"]]
    assert labels[:3] == ["zones", "firms", "leases"]
    zones = response.context["app_list"][0]["models"]
    assert [m["object_name"] for m in zones] == ["Zone", "Phase", "Building", "Floor", "Seat", "SeatOutage"]


def test_tenant_is_refused_at_admin(client, firm):
    tenant = factories.tenant_user(firm)
    tenant.is_staff = True  # even a wrongly flagged tenant account gets nothing
    tenant.save()
    client.force_login(tenant)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert client.get(reverse("admin:leases_lease_changelist")).status_code == 302


def test_tenant_login_form_refuses(client, firm):
    factories.tenant_user(firm, username="tenant")
    response = client.post(reverse("admin:login"), {"username": "tenant", "password": "pw-Parkops-2026"})
    assert response.status_code == 200  # the login page again, not the index
    assert "_auth_user_id" not in client.session


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_staff_views_everything(staff_client):
    zone = factories.ZoneFactory(code="C")
    assert staff_client.get(reverse("admin:zones_zone_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:zones_zone_change", args=[zone.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]


@pytest.mark.parametrize(
    "url_name",
    ["admin:zones_zone_add", "admin:zones_building_add", "admin:firms_businessline_add", "admin:auth_user_changelist"],
)
def test_staff_cannot_reach_what_its_group_does_not_permit(staff_client, url_name):
    assert staff_client.get(reverse(url_name)).status_code == 403


def test_staff_cannot_delete(staff_client, floor, firm):
    zone = Zone.objects.get(code="C")
    assert staff_client.get(reverse("admin:zones_zone_delete", args=[zone.pk])).status_code == 403
    assert staff_client.get(reverse("admin:firms_firm_delete", args=[firm.pk])).status_code == 403
    seat = floor.seats.first()
    assert staff_client.post(reverse("admin:zones_seat_delete", args=[seat.pk]), {"post": "yes"}).status_code == 403
    assert seat.__class__.objects.filter(pk=seat.pk).exists()
    changelist = staff_client.get(reverse("admin:zones_seat_changelist"))
    assert "delete_selected" not in dict(changelist.context["action_form"].fields["action"].choices)


def test_staff_may_add_a_lease_as_its_group_permits(staff_client, floor, firm):
    assert staff_client.get(reverse("admin:leases_lease_add")).status_code == 200
    assert staff_client.get(reverse("admin:leases_lease_import")).status_code == 200


def test_bureau_admin_reaches_users_and_zones(admin_client):
    assert admin_client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:zones_zone_add")).status_code == 200
    assert not Lease.objects.exists()


def test_admin_speaks_english_on_request(admin_client, firm):
    try:
        response = admin_client.get(reverse("admin:firms_firm_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the middleware leaves English active in this thread
    page = response.content.decode()
    assert "Neijiang Outsourcing Park · Commerce Bureau Admin" in page
    assert "Ends within 90 days" in page  # the expiring column, titled from the one expiry window
