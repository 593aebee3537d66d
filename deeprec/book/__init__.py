"""The book's side of the library.

- :mod:`.runtime`: what a chapter calls (setup, parameters, run record);
- :mod:`.glue`: the numbers, words, figures and tables the prose pastes;
- :mod:`.figures`: the figure rules every glued figure is checked against;
- :mod:`.prose`: the numbers a chapter's prose may type (the allow-list);
- :mod:`.exercises`: the checked exercises of the student versions;
- :mod:`.student`: writing the student versions;
- :mod:`.tools`: executing, checking and timing chapters;
- :mod:`.text_sources`: the chapters' MyST text copies (jupytext pairs);
- :mod:`.sphinx_ext`: a small Sphinx extension of the book build.
"""

from deeprec.book import exercises  # noqa: F401
from deeprec.book.figures import FigureError, check_figure  # noqa: F401
from deeprec.book.glue import (  # noqa: F401
    compare, figure, glue, glue_many, share, table, words,
)
from deeprec.book.runtime import (  # noqa: F401
    HEADLINE, HEADLINE_MIME, ChapterParams, chapter_params, headline, read_headline, setup,
    show_source,
)
from deeprec.book.student import (  # noqa: F401
    student_version, write_student_versions,
)
from deeprec.book.tools import (  # noqa: F401
    compare_headlines, execute_notebook,
)
