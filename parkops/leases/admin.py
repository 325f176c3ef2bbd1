"""admin of the leases app."""
