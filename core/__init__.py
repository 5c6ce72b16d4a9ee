"""deepresearch-tui engine: research rounds, providers, mind map and sessions.

Nothing in this package imports Textual, so it runs headless (CLI, tests, benchmarks).
"""

__version__ = "0.1.0"
APP_NAME = "deepresearch-tui"
