"""The LLM provider protocol the engine talks to.

A provider makes one call per method and raises ``core.errors`` classes on failure; it does
not retry (``core.ratelimit`` does, so the engine can show each wait as a countdown).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

TextCallback = Callable[[str], Awaitable[None] | None]


@dataclass(frozen=True)
class LLMResponse:
    text: str
    tokens_in: int = 0
    tokens_out: int = 0
    ms: int = 0
    data: Any = field(default=None)
    """The parsed JSON for ``generate_json``; ``None`` for text calls."""
    truncated: bool = False
    """The answer stopped at the model's output-token limit: it is cut short."""
    usage_estimated: bool = False
    """The server sent no usage: ``tokens_in``/``tokens_out`` are counted from the text."""
    thinking: str = ""
    """A reasoning model's thinking, kept out of ``text`` and ``data`` (shown collapsed)."""


@runtime_checkable
class LLMProvider(Protocol):
    name: str
    model: str

    async def stream_text(
        self, prompt: str, *, system: str | None = None, on_text: TextCallback | None = None
    ) -> LLMResponse:
        """Stream a text answer, calling ``on_text`` with each chunk as it arrives."""
        ...

    async def generate_json(
        self, prompt: str, *, schema: dict[str, Any], system: str | None = None
    ) -> LLMResponse:
        """One call with structured (JSON schema) output; ``data`` holds the parsed object."""
        ...

    async def aclose(self) -> None: ...
