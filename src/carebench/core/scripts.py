"""Check-in scripts: timed sections of prompts, filled from live data, and what each section captures.

Templates are TOML files (bundled ones, then the user's own, which override by kind).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .models import SUBSCORES, Kpi, error_text
from .terms import Kind

ScriptKind = Literal[Kind, "expansion"]  # every touchpoint kind, and the expansion conversation
Capture = Literal["notes", "readings", "scores", "actions", "next_steps", "outcome", "confidence", "lessons", "decisions"]
# A section capturing lessons or decisions keeps each line of its notes as one learning of that kind.
LEARNING_CAPTURES: dict[str, str] = {"lessons": "lesson", "decisions": "decision"}
# What may start a line of notes as a list marker: a dash, star or bullet, or a number with "." or ")".
_MARKER = re.compile(r"^\s*(?:[-*\u2022]|\d{1,3}[.)])(?:\s+|$)")
PLACEHOLDERS = {
    "client": "the client's name",
    "contact": "the client's first contact",
    "band": "the latest health band",
    "day": "the day number since go-live",
    "phase": "the support phase",
    "kpi_lines": "one line per KPI: latest and previous value, target",
    "achievement": "the latest achievement: the KPI whose latest reading improved most on the one before (readings taken in the check-in count)",
    "open_actions": "the client's open action items",
    "last_next_steps": "the next steps agreed at the last check-in",
    "financials": "monthly and year-to-date savings, ROI against target",
    "readiness": "expansion readiness from health",
    "opportunity": "the opportunity being discussed (expansion conversations)",
}
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")


class ReadingChoice(BaseModel):
    """Which KPIs a section asks readings for: by category, by key, or both."""

    model_config = ConfigDict(extra="forbid")
    categories: list[Literal["leading", "lagging", "diagnostic"]] = []
    keys: list[str] = []


class ScriptSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=80)
    minutes: int = Field(ge=1, le=240)
    prompts: list[str] = []
    capture: list[Capture] = ["notes"]
    readings: ReadingChoice | None = None
    scores: list[str] | None = None

    @field_validator("prompts")
    @classmethod
    def _known_placeholders(cls, prompts: list[str]) -> list[str]:
        for prompt in prompts:
            for name in PLACEHOLDER_RE.findall(prompt):
                if name not in PLACEHOLDERS:
                    raise ValueError(f"unknown placeholder {{{name}}} (known: {', '.join(PLACEHOLDERS)})")
        return prompts

    @field_validator("capture")
    @classmethod
    def _learnings_from_notes(cls, capture: list[str]) -> list[str]:
        kept = [c for c in capture if c in LEARNING_CAPTURES]
        if len(kept) > 1:
            raise ValueError("a section keeps its lines as lessons or as decisions, not both")
        if kept and "notes" not in capture:
            raise ValueError(f"a section that captures {kept[0]} keeps them from its notes: capture notes too")
        return capture

    @field_validator("scores")
    @classmethod
    def _known_scores(cls, scores: list[str] | None) -> list[str] | None:
        for name in scores or []:
            if name not in SUBSCORES:
                raise ValueError(f"unknown sub-score '{name}'")
        return scores


class ScriptTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ScriptKind
    also: list[ScriptKind] = Field(default=[], description="Other kinds this script serves.")
    title: str = Field(min_length=1, max_length=80)
    section: list[ScriptSection] = Field(min_length=1)
    source: str = Field(default="", exclude=True)

    @property
    def planned_minutes(self) -> int:
        return sum(s.minutes for s in self.section)

    def kinds(self) -> list[str]:
        return [self.kind, *self.also]


class ScriptProblem(ValueError):
    """What is wrong with a script file: ``file:line: message``."""


def _line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """Best line for a validation error: the n-th [[section]] header, then the field inside it."""
    lines = text.splitlines()
    start = 0
    if loc and loc[0] == "section" and len(loc) > 1 and isinstance(loc[1], int):
        headers = [i for i, line in enumerate(lines) if line.strip().startswith("[[section]]")]
        if loc[1] < len(headers):
            start = headers[loc[1]]
        field = loc[2] if len(loc) > 2 else None
    else:
        field = loc[0] if loc else None
    if isinstance(field, str):
        for i in range(start, len(lines)):
            if re.match(rf"\s*{re.escape(field)}\s*=", lines[i]):
                return i + 1
    return start + 1


def parse_script(text: str, name: str = "<script>") -> ScriptTemplate:
    """A template from TOML text; ScriptProblem says where and what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ScriptProblem(f"{name}:{match.group(1) if match else 1}: not valid TOML ({exc})") from None
    try:
        return ScriptTemplate.model_validate({**data, "source": name})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        message = error_text(error)
        raise ScriptProblem(f"{name}:{_line_of(text, error['loc'])}: {where}: {message}") from None


def render(prompt: str, context: dict[str, str]) -> str:
    """Fill a prompt's placeholders; a value the context lacks reads as a dash."""
    return PLACEHOLDER_RE.sub(lambda m: context.get(m.group(1)) or "–", prompt)


def kpis_for(section: ScriptSection, kpis: list[Kpi]) -> list[Kpi]:
    """The KPIs (anything with ``key`` and ``category``) a section asks readings for, in their order."""
    if "readings" not in section.capture:
        return []
    choice = section.readings or ReadingChoice(categories=["leading", "lagging", "diagnostic"])
    return [k for k in kpis if k.category in choice.categories or k.key in choice.keys]


def learned(notes: str, capture: list[str]) -> list[tuple[str, str]]:
    """The learnings a section's notes hold, as (kind, what): each non-empty line, its list marker taken off,
    when the section captures lessons or decisions (none otherwise)."""
    kind = next((LEARNING_CAPTURES[c] for c in capture if c in LEARNING_CAPTURES), None)
    if kind is None:
        return []
    found = []
    for line in notes.splitlines():
        what = _MARKER.sub("", line, count=1).strip()
        if what:
            found.append((kind, what))
    return found


def script_for(kind: str, covers: Iterable[str], templates: Mapping[str, ScriptTemplate]) -> tuple[str, list[ScriptSection]]:
    """The title and sections a check-in of ``kind`` runs, its touchpoint that day covering the kinds ``covers``.

    Its own script; but a retrospective sharing its day with another touchpoint is never lost: that one's script
    leads (whichever of the two stands), and the retrospective's lessons and decisions follow it.
    """
    template = templates[kind]
    sharing = [kind, *covers]
    retrospective = templates.get("retrospective")
    if "retrospective" not in sharing or len(sharing) == 1 or kind == "expansion" or retrospective is None:
        return template.title, list(template.section)
    lead = templates.get(next(k for k in sharing if k != "retrospective"), template)
    return f"{lead.title}, then the phase retrospective", [
        *lead.section,
        *(s for s in retrospective.section if set(s.capture) & set(LEARNING_CAPTURES)),
    ]
