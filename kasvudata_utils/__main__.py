import sys

from kasvudata_utils.cli import main

sys.exit(main())
