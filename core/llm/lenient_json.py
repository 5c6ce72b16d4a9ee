"""Finding the JSON object in a model's answer when the server could not enforce a format.

Local models asked for JSON without ``response_format`` wrap it in code fences, put a
sentence before or after it, or think aloud first. We take the first complete JSON object
(or array) that decodes, preferring one inside a code fence; nothing is repaired or guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from core.llm.thinking import split_thinking

_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n(.*?)```", re.DOTALL)


def _first_decodable(text: str) -> Any:
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, _end = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict | list):
                return value
    raise json.JSONDecodeError("no JSON object found in the answer", text, 0)


def extract_json(text: str) -> Any:
    """The JSON value in ``text``; raises ``json.JSONDecodeError`` when there is none."""
    answer, _thinking = split_thinking(text)
    stripped = answer.strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        pass
    for block in _FENCE_RE.findall(stripped):
        try:
            return json.loads(block.strip())
        except json.JSONDecodeError:
            continue
    return _first_decodable(stripped)
