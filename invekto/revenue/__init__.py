"""Selling: the tenant's offer rules and catalogue, recommendations that respect stock and margin,
payment links and the callbacks that settle them (the revenue agent's domain)."""
