"""forms of the leases app."""
