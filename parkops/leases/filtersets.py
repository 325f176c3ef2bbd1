"""filtersets of the leases app."""
