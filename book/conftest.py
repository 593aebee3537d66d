"""nbval runs every chapter in quick mode, offline, with fresh results.

The notebook kernels inherit this process's environment, so the switch is
set here before any kernel starts.
"""

import os
import tempfile

_scratch = tempfile.mkdtemp(prefix="deeprec-nbval-")
os.environ["DEEPREC_QUICK"] = "1"
os.environ.setdefault("DEEPREC_DATA", os.path.join(_scratch, "data"))
os.environ["DEEPREC_RESULTS"] = os.path.join(_scratch, "results")
