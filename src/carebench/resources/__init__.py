"""Data files carebench ships: check-in scripts, cadence plans, the knowledge-transfer checklist."""
