"""tables of the zones app."""
