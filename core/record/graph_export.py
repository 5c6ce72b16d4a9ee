"""One research's part of the mind map as a file: JSON, Cypher or GraphML (a core service:
the CLI's ``graph export`` calls it).

The Cypher export is a file for people to load into a database: every value in it is a
literal we escape ourselves, never text pasted in raw.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from core.mindmap.base import MindMapStore

GraphFormat = Literal["json", "cypher", "graphml"]


class GraphExportUnsupported(RuntimeError):
    """The store has no export (only the Cypher stores can list one research's part)."""


def export_graph(store: MindMapStore, session_id: str, fmt: GraphFormat) -> str:
    """The text of the export; ``KeyError`` when the research is not in the graph."""
    export = getattr(store, "export_session", None)
    if export is None:
        raise GraphExportUnsupported("this store cannot export")
    data = export(session_id)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    if fmt == "cypher":
        return to_cypher(data)
    return to_graphml(data)


def cypher_literal(value: Any) -> str:
    """A Cypher literal for a plain value; strings escaped so the file loads as written."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    text = str(value)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def to_cypher(data: dict[str, Any]) -> str:
    from core.mindmap import schema

    lines = [
        f"// deepresearch-tui mind map export of research {data['session_id']!r}".replace("\n", " ")
    ]
    for node in data["nodes"]:
        label = node["label"]
        if label not in schema.NODE_TABLES:
            continue
        props = [
            f"n.{k} = {cypher_literal(v)}"
            for k, v in node["properties"].items()
            if k != "id" and k in schema.NODE_TABLES[label]
        ]
        stmt = f"MERGE (n:{label} {{id: {cypher_literal(node['id'])}}})"
        if props:
            stmt += " SET " + ", ".join(props)
        lines.append(stmt + ";")
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    for edge in data["edges"]:
        rel = edge["type"]
        if rel not in schema.REL_TABLES:
            continue
        props = ", ".join(
            f"{k}: {cypher_literal(v)}"
            for k, v in edge["properties"].items()
            if k in schema.REL_TABLES[rel][1]
        )
        body = f" {{{props}}}" if props else ""
        lines.append(
            f"MATCH (a:{labels[edge['source']]} {{id: {cypher_literal(edge['source'])}}}), "
            f"(b:{labels[edge['target']]} {{id: {cypher_literal(edge['target'])}}}) "
            f"MERGE (a)-[:{rel}{body}]->(b);"
        )
    return "\n".join(lines) + "\n"


def to_graphml(data: dict[str, Any]) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    node_keys = sorted({k for n in data["nodes"] for k in n["properties"]} | {"label"})
    edge_keys = sorted({k for e in data["edges"] for k in e["properties"]} | {"type"})
    for kind, keys in (("node", node_keys), ("edge", edge_keys)):
        for key in keys:
            ET.SubElement(
                root,
                "key",
                {"id": f"{kind}_{key}", "for": kind, "attr.name": key, "attr.type": "string"},
            )
    graph = ET.SubElement(root, "graph", id=str(data["session_id"]), edgedefault="directed")

    def clean(value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        # XML 1.0 cannot carry most control characters even escaped.
        return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)

    for node in data["nodes"]:
        el = ET.SubElement(graph, "node", id=clean(node["id"]))
        ET.SubElement(el, "data", key="node_label").text = node["label"]
        for key, value in node["properties"].items():
            ET.SubElement(el, "data", key=f"node_{key}").text = clean(value)
    for i, edge in enumerate(data["edges"]):
        el = ET.SubElement(
            graph, "edge", id=f"e{i}", source=clean(edge["source"]), target=clean(edge["target"])
        )
        ET.SubElement(el, "data", key="edge_type").text = edge["type"]
        for key, value in edge["properties"].items():
            ET.SubElement(el, "data", key=f"edge_{key}").text = clean(value)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
