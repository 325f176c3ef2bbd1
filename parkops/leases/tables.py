"""tables of the leases app."""
