"""tables of the firms app."""
