"""Turn one run's samples into the markdown report and the PNG chart.

:mod:`.figures` computes the cells (medians, per-chunk costs, ratios), :mod:`.summary` the
headline table of targets, :mod:`.sections` the rest of the markdown, :mod:`.chart` the PNG.
"""

from __future__ import annotations

from .chart import chart
from .figures import floor_rows, med
from .sections import markdown

__all__ = ["chart", "floor_rows", "markdown", "med"]
