"""admin of the zones app."""
