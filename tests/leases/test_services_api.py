"""The services' shape: keyword-only, named <entity>_<action>, each with the acting user as a required `by`."""
import inspect

from parkops.leases import services

WRITES = [
    name for name in services.__all__
    if inspect.isfunction(getattr(services, name)) and name != "headcount_doubts"  # the one read among them
]


def test_every_service_takes_the_acting_user_as_a_required_keyword():
    assert len(WRITES) == 20
    for name in WRITES:
        params = inspect.signature(getattr(services, name)).parameters
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values()), name
        assert params["by"].default is inspect.Parameter.empty, f"{name}: `by` must have no default"


def test_the_services_keep_no_module_state():
    """No counters or caches at module level: the load test measures from outside (pg_stat_database)."""
    for module in (services.common, services.holdings, services.leases, services.reservations,
                   services.requests, services.headcount):
        state = {n: v for n, v in vars(module).items() if isinstance(v, (dict, list, set)) and not n.startswith("__")}
        assert not state, f"{module.__name__}: {sorted(state)}"
