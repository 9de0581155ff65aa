"""Reports, alerts and data feeds: commands registered on the main `carebench` group."""

from __future__ import annotations
