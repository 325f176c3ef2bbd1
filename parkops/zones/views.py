"""views of the zones app."""
