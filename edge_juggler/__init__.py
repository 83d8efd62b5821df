"""edge_juggler: a juggling coach and edge-vision test bench for a laptop CPU.

The package layout follows the pipeline (see DESIGN.md):
frames -> capture/sim -> tracking, neural -> fusion -> report/app/coach -> cli.
"""

from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

__version__ = "0.1.0"
__all__ = ["Frame", "Intrinsics", "InputError", "__version__"]
