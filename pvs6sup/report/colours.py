"""The page's one colour scale: an energy share from red (nothing) through orange to green (as usual), grey for
unknown. The heatmap, the roof drawing and their keys all use it, so a colour means the same everywhere."""

from __future__ import annotations

import itertools

SCALE = (
    (0.0, (165, 0, 38)),
    (0.5, (244, 109, 67)),
    (0.75, (253, 174, 97)),
    (0.85, (217, 239, 139)),
    (0.95, (26, 152, 80)),  # within 5 % of the best is simply green: siblings differ that much
    (1.0, (26, 152, 80)),
)
NO_DATA = "#c8c8c8"
KEY_SHARES = (0, 0.5, 0.75, 0.9, 1)  # the shares a key shows


def colour(ratio: float | None) -> str:
    """The tile colour of an energy ratio (grey when unknown)."""
    if ratio is None:
        return NO_DATA
    ratio = min(1.0, max(0.0, ratio))
    for (low, a), (high, b) in itertools.pairwise(SCALE):
        if ratio <= high:
            f = (ratio - low) / (high - low)
            return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b, strict=False))
    return "#{:02x}{:02x}{:02x}".format(*SCALE[-1][1])


def key_swatches() -> str:
    """The key: a swatch and its share for each of KEY_SHARES."""
    return "".join(f'<span class="key" style="background:{colour(r)}"></span>{100 * r:.0f} %' for r in KEY_SHARES)
