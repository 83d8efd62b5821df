import sys

from edge_juggler.cli import main

sys.exit(main())
