"""The workbench screens, one module each."""
