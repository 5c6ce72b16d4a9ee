"""Web search providers behind one protocol (``base.SearchProvider``); Tavily is the default."""
