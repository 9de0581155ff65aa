"""Write docs/schema.md: every table of a new carebench database, its purpose and what each column means.

Usage: python tools/schema_reference.py [OUTPUT_PATH]   (default: docs/schema.md)

The meanings come from carebench itself (the comments beside the columns in the schema, and
store/schema_docs.py); tests/unit/test_docs.py fails when the file is not what this writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from carebench.app.schema_reference import table_description, tables
from carebench.store.schema import SCHEMA_VERSION

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def _cell(text: str) -> str:
    """Text that stays inside one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    found = tables()
    parts = [
        "# Database reference\n\n",
        f"Every table of a carebench database at schema version {SCHEMA_VERSION} (`python tools/schema_reference.py` writes this file;\n",
        "`carebench datasette-metadata` gives Datasette the same descriptions). Days are `YYYY-MM-DD` text, moments ISO 8601 in UTC.\n",
        "Tables marked *derived* hold rows carebench works out from the others and rebuilds whenever its rules change: read\n",
        "them, never edit them.\n\n",
        "| Table | Purpose |\n| --- | --- |\n",
    ]
    parts += [f"| [{t.name}](#{t.name}) | {_cell(('*Derived.* ' if t.derived else '') + t.purpose)} |\n" for t in found]
    for table in found:
        parts.append(f"\n## {table.name}\n\n{table_description(table)}\n")
        if table.internal:
            names = ", ".join(f"`{name}`" for name in table.internal)
            parts.append(f"\nA full-text (FTS5) index: SQLite keeps it in its own tables {names}.\n")
        if table.constraints:
            parts.append("\n" + "".join(f"- `{constraint}`\n" for constraint in table.constraints))
        parts.append("\n| Column | Type | Constraints | Meaning |\n| --- | --- | --- | --- |\n")
        for column in table.columns:
            constraints = f"`{_cell(column.constraints)}`" if column.constraints else ""
            parts.append(
                f"| `{column.name}` | {column.type or ('text' if table.internal else 'any')} | {constraints} | {_cell(column.description)} |\n"
            )
    return "".join(parts)


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    output.write_text(reference(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
