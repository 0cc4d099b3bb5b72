"""The ``decision`` column: locks a financier puts on projects and contracts.

Projects: blank (the optimiser decides), ``reject``, ``fund``, ``fund:OPTION``,
``fund:YEAR`` or ``fund:OPTION:YEAR``. Contracts: blank, ``sign`` or ``reject``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProjectDecision:
    """What a project's lock allows: None means anything."""

    fund: bool | None  # True forced in, False rejected, None free
    option: str | None = None
    start_year: int | None = None

    def allows(self, option: str, start_year: int) -> bool:
        if self.fund is False:
            return False
        if self.option is not None and option != self.option:
            return False
        return self.start_year is None or start_year == self.start_year


FREE = ProjectDecision(fund=None)


def parse_project_decision(text: str | None, options: set[str]) -> tuple[ProjectDecision, str | None]:
    """Parse a project's ``decision`` cell; the second value is a problem to report, if any."""
    if text is None or not text.strip():
        return FREE, None
    parts = [part.strip() for part in text.strip().split(":")]
    head = parts[0].lower()
    if head == "reject" and len(parts) == 1:
        return ProjectDecision(fund=False), None
    if head != "fund":
        return FREE, f"decision {text!r} is not understood"
    option: str | None = None
    year: int | None = None
    for part in parts[1:]:
        if part.isdigit():
            year = int(part)
        elif part in options:
            option = part
        else:
            return (
                FREE,
                f"decision {text!r} names {part!r}, which is neither a year nor an option of this project ({', '.join(sorted(options))})",
            )
    return ProjectDecision(fund=True, option=option, start_year=year), None
