"""The budget check between rounds: go on only while the next round and the report fit.

Why between rounds: a round cut in half leaves sources without evidence; stopping before it
keeps every finished round whole and still leaves enough for the report. The next round is
judged by the larger of its estimate and the last round's real spend (rounds grow), the
report by its estimate for the rounds done.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.cost.estimate import Estimate


@dataclass(frozen=True)
class Budget:
    max_usd: float = 0.0
    max_tokens: int = 0

    @property
    def capped(self) -> bool:
        return self.max_usd > 0 or self.max_tokens > 0

    def fits(self, spent_usd: float, spent_tokens: int, need: Estimate) -> bool:
        """Whether spending ``need`` more keeps within every cap that is set."""
        if self.max_usd > 0 and spent_usd + need.usd > self.max_usd:
            return False
        return not (self.max_tokens > 0 and spent_tokens + need.tokens > self.max_tokens)

    def describe(self) -> str:
        parts = []
        if self.max_usd > 0:
            parts.append(f"${self.max_usd:g}")
        if self.max_tokens > 0:
            parts.append(f"{self.max_tokens:,} tokens")
        return " / ".join(parts)


def next_round_need(estimate: Estimate, last_round_usd: float, last_round_tokens: int) -> Estimate:
    """The next round's need: its estimate, or the last round's real spend if larger."""
    return Estimate(
        estimate.tokens_in,
        max(estimate.tokens_out, last_round_tokens - estimate.tokens_in),
        max(estimate.usd, last_round_usd),
    )
