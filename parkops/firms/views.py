"""views of the firms app."""
