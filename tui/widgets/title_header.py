"""The app's header: Textual's ``Header`` without its crash on a screen closed at once.

Textual's ``Header`` updates its ``HeaderTitle`` from watchers it registers at mount. Those
watchers run a moment later; when the screen was popped in between (a report that opened by
itself and was closed with Escape straight away, or the app quitting while a screen mounts),
the title is already gone and the watcher raises ``NoMatches``, which Textual treats as an
unhandled error and ends the app with a traceback. ``TitleHeader`` registers the same
watchers and ignores a title that is no longer there: a header being torn down has nothing
to show.
"""

from __future__ import annotations

from contextlib import suppress

from textual.css.query import NoMatches
from textual.events import Mount
from textual.widget import NoScreen
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class TitleHeader(Header):
    """A ``Header`` whose title watchers tolerate the header's removal."""

    def _on_mount(self, event: Mount) -> None:
        # Stop Textual dispatching ``Header._on_mount`` (and its unguarded watchers) after
        # this one; ``Widget._on_mount`` only sets scrollbars, which a header never has.
        event.prevent_default()

        async def set_title() -> None:
            with suppress(NoScreen, NoMatches):
                self.query_one(HeaderTitle).update(self.format_title())

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
