from django.apps import AppConfig


class SeedConfig(AppConfig):
    """The real park as the default data set: its loader (park_loader) and the load_park and demo_users
    commands. It sits on top of the domain apps and nothing imports it; it has no models and no pages (hence
    no translated name). The data file stays in the top-level fixtures/ folder (park_loader.DEFAULT_FILE)."""

    name = "parkops.seed"
    label = "seed"
