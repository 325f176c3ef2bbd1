"""admin of the firms app."""
