"""Pre-read the config files of a Snakemake command line with a safe YAML loader (see `make run`).

Usage: ``python tools/preread_config.py [snakemake arguments]``. Reads config/config.yaml and
every ``--configfile`` of the arguments with :func:`scripts.core.config.preread_configfiles`;
exits 2 with a message naming the file, line and tag of a problem, 0 when all are plain YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.core.config import configfiles_in, preread_configfiles
from scripts.core.errors import ConfigError

DEFAULT = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def main(argv: list[str]) -> int:
    """Pre-read the default config and the ``--configfile`` files of ``argv``; return the exit status."""
    try:
        preread_configfiles([DEFAULT, *configfiles_in(argv)])
    except ConfigError as exc:
        print(f"ConfigError: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
