"""``python -m kasvudata_utils``: the ``kasvudata`` command line (:mod:`kasvudata_utils.cli`)."""
import sys

from kasvudata_utils.cli import main

sys.exit(main())
