"""filtersets of the zones app."""
