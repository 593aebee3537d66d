"""Studies: one function per paper table or figure, returning tidy tables.

- :mod:`.engine`: :class:`Run`, :func:`run_study` (scale, trainer, the
  resume cache keyed on a run's whole definition), result tables;
- :mod:`.recipes`: every named run of the book, defined once;
- :mod:`.autorec`, :mod:`.deep_ae`: the two papers' studies;
- :mod:`.comparison`: Table 3, every model and the blend;
- :mod:`.pitfalls`: the mistakes of public re-implementations, measured;
- :mod:`.peers`: other libraries' implementations (Cornac's ConvMF) run
  on the book's splits in their own environment, scored the book's way.
"""

from deeprec.studies import recipes  # noqa: F401
from deeprec.studies.autorec import (  # noqa: F401
    AUTOREC_STUDIES, autorec_activation_runs, autorec_study,
    hidden_units_runs, orientation_runs,
)
from deeprec.studies.comparison import (  # noqa: F401
    BLEND_MEMBERS, COMPARISON, GLOCAL_K_MAX_ENTRIES, blend_rows,
    comparison_runs, comparison_study,
)
from deeprec.studies.deep_ae import (  # noqa: F401
    DEEP_STUDIES, PAPER_ACTIVATIONS, activation_runs, depth_runs,
    dropout_runs, overfitting_runs, refeeding_runs,
)
from deeprec.studies.paper_rows import (  # noqa: F401
    PAPER_ROWS, PaperRow, paper_row, reproduce,
)
from deeprec.studies.pitfalls import (  # noqa: F401
    CATALOGUE, Pitfall, PitfallStudy, effect_summary, pitfall_run,
    pitfall_study,
)
from deeprec.studies.peers import (  # noqa: F401
    PEERS, PeerConfig, PeerError, run_peer, run_peer_seeds,
)
from deeprec.studies.engine import (  # noqa: F401
    Run, StudyResult, load_trained, model_file, run_definition, run_key,
    run_study, seed_summary, train_run, with_seeds,
)
from deeprec.models.registry import is_closed_form  # noqa: F401
from deeprec.studies.recipes import RECIPES, recipe  # noqa: F401
