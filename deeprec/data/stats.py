"""Data set statistics in the form of the deep-AE paper's Table 1."""

from __future__ import annotations

import pandas as pd

from deeprec.constants import ITEM, USER
from deeprec.data.splits import Split


def dataset_stats(split: Split) -> pd.DataFrame:
    """Ratings, users and items per part of a split (one row per part).

    Columns: ``part, ratings, users, items, density``; empty parts are
    left out.
    """
    rows = []
    for part, frame in split.parts().items():
        if len(frame) == 0:
            continue
        users, items = frame[USER].nunique(), frame[ITEM].nunique()
        rows.append({"part": part, "ratings": len(frame), "users": users,
                     "items": items, "density": len(frame) / (users * items)})
    return pd.DataFrame(rows).set_index("part")
