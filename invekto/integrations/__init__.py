"""HTTP clients of the marketplaces and payment providers, and the order cache."""
