"""Agents: deterministic business flows that call tools and render tenant templates."""
