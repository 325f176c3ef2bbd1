"""views of the leases app."""
