"""The application layer: every command (write) and query (typed read model) the CLI, the workbench and the reports use."""
