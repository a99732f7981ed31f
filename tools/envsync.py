"""Keep environment.yml (for conda users) in step with requirements.lock (the source of truth).

``python tools/envsync.py`` rewrites environment.yml from the lock; a test checks that the
two agree, so a lock update cannot silently leave the conda spec behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "3.11"


def lock_pins(lock: Path = ROOT / "requirements.lock") -> list[str]:
    """Return the ``name==version`` lines of the lock file, in file order."""
    return [ln.strip() for ln in lock.read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def render(pins: list[str]) -> str:
    """Return the environment.yml text pinning Python and every locked package (via pip)."""
    lines = [
        "# Conda environment for users who run the workflow with `--sdm conda`.",
        "# Generated from requirements.lock by `python tools/envsync.py`; do not edit by hand.",
        "name: ictmdg",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {p}" for p in pins]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = render(lock_pins())
    target = ROOT / "environment.yml"
    if "--check" in sys.argv:
        sys.exit(0 if target.read_text() == text else 1)
    target.write_text(text)
