"""Widgets of the workbench's own, built on Textual's public API."""

from .grid import Column, Grid

__all__ = ["Column", "Grid"]
