"""One look for every published figure: a colour-blind-safe palette, fonts, titles and the source note.

Colours are the Okabe-Ito palette (distinguishable under the common colour-vision
deficiencies); sequential scales use viridis. Every figure gets a title, axis labels with
units, and the source note :data:`SOURCE`, and is saved as PNG (300 dpi) and PDF by
:func:`scripts.core.plotting.save`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import matplotlib as mpl
from matplotlib.ticker import MaxNLocator

from scripts.core.plotting import plt

#: Okabe-Ito: black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
PALETTE: tuple[str, ...] = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
#: Categorical colours without black and yellow (too dark, too light for lines and bars).
CATEGORICAL: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
#: The sequential colour map of heatmaps and the tile map.
SEQUENTIAL = "viridis"
#: The note under every figure.
SOURCE = "Source: ITU, World Bank WDI, UN; computed by ictmdg"
#: Income groups in their natural order, with readable labels.
INCOME_ORDER: tuple[str, ...] = ("L", "LM", "UM", "H")
INCOME_NAMES: dict[str, str] = {
    "L": "Low income",
    "LM": "Lower middle income",
    "UM": "Upper middle income",
    "H": "High income",
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=CATEGORICAL),
    "axes.grid": True,
    "grid.linewidth": 0.3,
    "grid.color": "0.85",
    "legend.fontsize": 7,
    "legend.frameon": False,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "pdf.fonttype": 42,  # fonts embedded as TrueType: text stays text in the PDF
    "svg.hashsalt": "ictmdg",
}


@contextmanager
def house_style() -> Iterator[None]:
    """Draw the figures made inside the block in the house style (matplotlib's rcParams, restored after)."""
    with mpl.rc_context(RC):
        yield


def finish(fig: plt.Figure, title: str, *, note: str = "", top: float = 0.94, bottom: float = 0.08) -> plt.Figure:
    """Give ``fig`` its title and the source note (plus ``note``, e.g. the year or a caveat), and lay it out.

    ``top``/``bottom`` are the figure fractions kept free for the title and the note.
    Returns the figure.
    """
    fig.suptitle(title, fontsize=10, fontweight="bold", x=0.01, y=0.995, ha="left", va="top")
    # Wrapped to the figure's width (about 20 characters per inch at 6 pt).
    width = int(fig.get_figwidth() * 20)
    text = "\n".join([*textwrap.wrap(note, width), SOURCE]) if note else SOURCE
    fig.text(0.01, 0.01, text, fontsize=6, color="0.35", ha="left", va="bottom")
    engine = fig.get_layout_engine()
    if engine is not None and engine.__class__.__name__ == "ConstrainedLayoutEngine":
        # Nested grids (the profile pages) need the constrained engine; tight_layout cannot lay them out.
        engine.set(rect=(0, bottom, 1, top - bottom))
    else:
        fig.tight_layout(rect=(0, bottom, 1, top))
    return fig


def year_axis(ax: plt.Axes) -> None:
    """Label ``ax``'s x axis with whole years."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def colours(n: int) -> Sequence[str]:
    """The first ``n`` categorical colours (cycling when more are needed)."""
    return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(n)]
