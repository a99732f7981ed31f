"""Command line of the synthetic data generator: ``python -m scripts.synthetic --help``.

Loads the config (:func:`scripts.synthetic.config.load_config`), generates the panel and
writes the dataset folder; a configuration problem is logged with its key path and ends
the run with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from scripts.core.errors import ConfigError
from scripts.synthetic.config import PROJECT_ROOT, load_config
from scripts.synthetic.dataset import write_dataset
from scripts.synthetic.generate import generate

log = logging.getLogger("ictmdg")


def _folder_size(folder: Path) -> int:
    """Return the total size of the files under ``folder``, in bytes."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Generate a dataset and write it; return the exit status (0 on success, 2 on a configuration problem)."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.synthetic",
        description="Generate a synthetic ICT/MDG dataset in the raw formats ictmdg reads.",
    )
    parser.add_argument(
        "--config", default="config/synthetic.yaml", help="synthetic-data config (default: %(default)s)"
    )
    parser.add_argument(
        "--scale", type=float, default=None, help="multiplies the number of units (default: the config's scale)"
    )
    parser.add_argument("--seed", type=int, default=None, help="overrides the config's seed")
    parser.add_argument(
        "--out", default=None, help="output folder inside the project (default: data/synthetic/x<scale>)"
    )
    parser.add_argument("--project-root", default=str(PROJECT_ROOT), help="project root (default: this checkout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        t0 = time.perf_counter()
        cfg = load_config(args.config, project_root=args.project_root, scale=args.scale, seed=args.seed)
        out = args.out or f"data/synthetic/x{cfg.scale:g}"
        panel = generate(cfg)
        t1 = time.perf_counter()
        target = write_dataset(panel, out, args.project_root)
        t2 = time.perf_counter()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    log.info(
        "synthetic: %d units x %d indicators x %d years -> %s (%.1f MB); generate %.2f s, write %.2f s",
        cfg.n_units,
        len(cfg.indicators),
        cfg.last_year - cfg.first_year + 1,
        target,
        _folder_size(target) / 1e6,
        t1 - t0,
        t2 - t1,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
