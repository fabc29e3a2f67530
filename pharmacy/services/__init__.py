"""Use cases: one function each, owning its transaction and writing its audit event."""
