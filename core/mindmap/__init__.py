"""The mind map: a property graph of topics, steps, evidence and concepts (Cypher stores)."""
