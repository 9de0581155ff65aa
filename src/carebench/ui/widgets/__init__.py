"""Widgets the workbench screens are built from."""
