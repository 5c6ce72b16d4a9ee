"""Separating a reasoning model's ``<think>…</think>`` text from its answer, while streaming.

Reasoning models served through OpenAI-compatible servers (DeepSeek-R1, Qwen3, … on Ollama,
llama.cpp, vLLM) often put their thinking inline in the answer. It must never reach the plan
panes, the synthesis parser or the report, yet a user may want to read it, so it is split
off rather than dropped. Chunks cut a tag anywhere (``<thi`` + ``nk>``): the filter holds
back a possible partial tag until the next chunk decides it.
"""

from __future__ import annotations

import re

OPEN_TAGS: tuple[str, ...] = ("<think>", "<thinking>")
CLOSE_TAGS: tuple[str, ...] = ("</think>", "</thinking>")

_BLOCK_RE = re.compile(r"<(think|thinking)>(.*?)(?:</\1>|\Z)", re.DOTALL | re.IGNORECASE)
_ORPHAN_CLOSE_RE = re.compile(r"^(.*?)</(?:think|thinking)>", re.DOTALL | re.IGNORECASE)


def _partial_suffix(text: str, tags: tuple[str, ...]) -> int:
    """Length of the longest end of ``text`` that could start one of ``tags``."""
    lowered = text.lower()
    best = 0
    for tag in tags:
        for n in range(min(len(tag) - 1, len(lowered)), 0, -1):
            if lowered.endswith(tag[:n]):
                best = max(best, n)
                break
    return best


def _find_tag(text: str, tags: tuple[str, ...]) -> tuple[int, int]:
    """(start, length) of the earliest of ``tags`` in ``text``, or (-1, 0)."""
    lowered = text.lower()
    found = [(lowered.find(tag), len(tag)) for tag in tags]
    hits = [(pos, n) for pos, n in found if pos >= 0]
    return min(hits) if hits else (-1, 0)


class ThinkFilter:
    """Feed streamed chunks; get back (answer text, thinking text) safe to show now."""

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False

    def feed(self, chunk: str) -> tuple[str, str]:
        text = self._pending + chunk
        self._pending = ""
        visible: list[str] = []
        thinking: list[str] = []
        while text:
            tags = CLOSE_TAGS if self._inside else OPEN_TAGS
            pos, length = _find_tag(text, tags)
            if pos < 0:
                keep = _partial_suffix(text, tags)
                ready, self._pending = (text[:-keep], text[-keep:]) if keep else (text, "")
                (thinking if self._inside else visible).append(ready)
                break
            (thinking if self._inside else visible).append(text[:pos])
            text = text[pos + length :]
            self._inside = not self._inside
        return "".join(visible), "".join(thinking)

    def flush(self) -> tuple[str, str]:
        """The held-back tail at the end of the stream (an unclosed block stays thinking)."""
        rest, self._pending = self._pending, ""
        return ("", rest) if self._inside else (rest, "")


def split_thinking(text: str) -> tuple[str, str]:
    """A whole answer split into (answer, thinking).

    Also handles a lone ``</think>`` with no opening tag: some chat templates open the
    block in the prompt, so everything before the first closing tag is thinking.
    """
    thoughts: list[str] = []
    lone = _ORPHAN_CLOSE_RE.match(text)
    if lone and not any(tag in lone.group(1).lower() for tag in OPEN_TAGS):
        thoughts.append(lone.group(1))
        text = text[lone.end() :]

    def take(m: re.Match[str]) -> str:
        thoughts.append(m.group(2))
        return ""

    answer = _BLOCK_RE.sub(take, text)
    return answer.strip(), "\n".join(t.strip() for t in thoughts if t.strip())
