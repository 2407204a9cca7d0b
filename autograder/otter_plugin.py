"""The otter plugin's path inside otter zips built before the move: ``autograder.otter_plugin``.

The plugin lives in :mod:`autograder.interop.otter_plugin`; zips that were already built name it
by this path, so it stays.
"""

from autograder.interop.otter_plugin import TfgradeOtterPlugin

__all__ = ["TfgradeOtterPlugin"]
