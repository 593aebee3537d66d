import sys

from deeprec.cli import main

sys.exit(main())
