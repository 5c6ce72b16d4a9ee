"""LLM providers behind one protocol (``base.LLMProvider``); Gemini is the default."""
