"""filtersets of the firms app."""
