"""forms of the firms app."""
