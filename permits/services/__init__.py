"""Writes of the permits app, one module per part (registration, applications, permits)."""
