"""forms of the zones app."""
