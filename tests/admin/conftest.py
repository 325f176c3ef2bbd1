"""Fixtures of the admin tests; their park is factories.make_park (made through the services)."""
import pytest


@pytest.fixture
def admin_client(client, bureau_admin):
    client.force_login(bureau_admin)
    return client
