"""Reports, alerts and data feeds built on the views: client reports, the portfolio digest, check, calendar, CSV.

A report is first assembled as a document (a plain dict of sections and blocks,
see ``document.py``) from the same views the CLI and the workbench show; the
Markdown and HTML renderers then only lay that document out, so both formats
always carry the same content.
"""
