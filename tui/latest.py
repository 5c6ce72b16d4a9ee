"""Only the newest answer of a kind is shown, when a thread worker's answers can cross.

An exclusive Textual worker cancels the one before it, but a thread cannot be stopped: the
older call runs on, and its message arrives whenever it finishes, after the newer one's if
it was slower. Home's list read before a delete then put the deleted research back; a Neo4j
test of a bad address, timing out, overwrote the success of the corrected one; the answer
to the previous question to the mind map replaced the current one. Each request gets a
number here, its message carries it, and the handler drops any but the newest.
"""

from __future__ import annotations


class Latest:
    """Numbers the requests of one kind (``issue``), newest last."""

    def __init__(self) -> None:
        self.issued = 0

    def issue(self) -> int:
        """The number of a new request: every earlier one's answer is stale from now on."""
        self.issued += 1
        return self.issued

    def is_current(self, number: int) -> bool:
        """Whether the answer to request ``number`` is the one to show."""
        return number == self.issued
