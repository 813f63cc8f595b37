"""Which firm panel a report batch reads: the embedded MK17 panel, the national build, or the user's own file."""
from __future__ import annotations

from pathlib import Path

from kasvudata_utils.errors import InputError
from kasvudata_utils.paths import processed_dir

DATA_CHOICES = ("default", "national")


def national_panel_path() -> Path:
    """The synthetic firm panel of all of Finland written by ``kasvudata data build --scale national``."""
    return processed_dir() / "national" / "firm_panel.parquet"


def resolve_panel(data: str = "default", panel_path: str = "") -> str:
    """The firm panel a batch reads: ``""`` (embedded MK17 panel), the national build, or the user's file."""
    data = str(data or "default").strip().lower()
    if data not in DATA_CHOICES:
        raise InputError(f"--data {data!r}: expected one of {', '.join(DATA_CHOICES)}")
    if data == "national":
        if panel_path:
            raise InputError(f"--data national and --panel {panel_path!r}: expected only one of them")
        p = national_panel_path()
        if not p.is_file():
            raise InputError(f"national panel {p} missing: expected it built by "
                             "`kasvudata data build --scale national`")
        return str(p)
    if panel_path and not Path(panel_path).is_file():
        raise InputError(f"--panel {panel_path!r}: no such file, expected a CSV or Parquet firm panel")
    return str(Path(panel_path).resolve()) if panel_path else ""
