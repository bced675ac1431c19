"""Read uploaded BPMN and DMN bytes into lxml trees without trusting them.

Every refusal is an `XmlRejected` carrying a stable code, an English message and, where known, a line:
the validator turns it into a finding, the deployment path into an error. Nothing here imports SpiffWorkflow.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# The DMN versions SpiffWorkflow 3.2 ships schemas for (dmn/parser/BpmnDmnParser.py); note 1.3 is https.
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
}
DEFAULT_MAX_BYTES = 5_000_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")
_POSITION_SUFFIX = re.compile(r",\s*line \d+, column \d+$")
# A DOCTYPE can only follow the XML declaration, white space, comments and processing instructions.
_DOCTYPE_IN_PROLOG = re.compile(r"^\ufeff?(?:\s|<\?(?:(?!\?>).)*\?>|<!--(?:(?!-->).)*-->)*<!DOCTYPE", re.DOTALL)


class DocumentKind(StrEnum):
    BPMN = "bpmn"
    DMN = "dmn"


@dataclass(frozen=True)
class SourceFile:
    """One uploaded file: its name as the user knows it and its raw bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class XmlDocument:
    """A safely parsed BPMN or DMN file, with its elements indexed by id for locating findings."""

    name: str
    kind: DocumentKind
    root: etree._Element
    ids: dict[str, etree._Element] = field(default_factory=dict, compare=False, repr=False)

    def element(self, element_id: str | None) -> etree._Element | None:
        return self.ids.get(element_id) if element_id else None

    def line_of(self, element_id: str | None) -> int | None:
        element = self.element(element_id)
        return element.sourceline if element is not None else None


class XmlRejected(ValueError):
    """The bytes are not a BPMN or DMN document we are willing to read."""

    def __init__(self, code: str, message: str, file: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.line = line


def safe_parser() -> etree.XMLParser:
    """Return a new parser that never loads a DTD, expands an entity or touches the network."""
    # Parsers keep state between documents and are not thread-safe, so each document gets its own.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
    )


def load_document(source: SourceFile, max_bytes: int = DEFAULT_MAX_BYTES) -> XmlDocument:
    """Parse one uploaded file safely; raise `XmlRejected` when it is too big, unreadable or not BPMN/DMN."""
    name = source.name
    content = source.content
    if isinstance(content, bytearray | memoryview):
        content = bytes(content)
    if not isinstance(content, bytes):
        raise XmlRejected("xml.encoding", "The file content was passed as text, not as bytes.", name)
    if len(content) > max_bytes:
        raise XmlRejected(
            "xml.too_large",
            f"The file is {_megabytes(len(content))} and the limit is {_megabytes(max_bytes)}. "
            "Remove embedded images or unused diagrams, or split the model into several files.",
            name,
        )
    if not content.strip():
        raise XmlRejected("xml.not_well_formed", "The file is empty. Upload the exported BPMN or DMN file.", name)

    text = _decode(content, name)
    if _DOCTYPE_IN_PROLOG.match(text):
        raise XmlRejected(
            "xml.doctype_forbidden",
            "The file contains a DOCTYPE declaration, which is refused because it can define entities "
            "that expand or read files. Export the diagram again without a DOCTYPE.",
            name,
            text[: text.find("<!DOCTYPE")].count("\n") + 1,
        )

    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_rejection(exc, name) from None
    except (ValueError, etree.LxmlError) as exc:
        raise XmlRejected("xml.not_well_formed", f"The file is not readable XML: {exc}.", name) from None

    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRejected(
            "xml.doctype_forbidden",
            "The file contains a DOCTYPE declaration, which is refused. Export the diagram again without it.",
            name,
            1,
        )
    kind = _document_kind(root, name)
    ids: dict[str, etree._Element] = {}
    for element in root.iter(etree.Element):
        element_id = element.get("id")
        if element_id:
            ids.setdefault(element_id, element)
    return XmlDocument(name=name, kind=kind, root=root, ids=ids)


def _decode(content: bytes, name: str) -> str:
    """Decode the bytes the way a byte order mark or the XML declaration says, else as UTF-8."""
    declared: str | None = None
    for bom, codec in _BOMS:
        if content.startswith(bom):
            encoding = codec
            break
    else:
        match = _DECLARED_ENCODING.match(content)
        declared = match.group(1).decode("ascii", "replace") if match else None
        encoding = declared or "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise XmlRejected(
                "xml.encoding",
                f'The file declares the unknown encoding "{encoding}". Save it as UTF-8.',
                name,
                1,
            ) from None
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        if declared:
            hint = f'The file declares encoding="{declared}" but its bytes do not match it.'
        else:
            hint = "The file is not UTF-8 and does not declare its encoding."
        raise XmlRejected(
            "xml.encoding",
            f"{hint} Save it as UTF-8, or declare the real encoding in its first line, "
            'e.g. <?xml version="1.0" encoding="ISO-8859-1"?>.',
            name,
            content[: exc.start].count(b"\n") + 1,
        ) from None


def _syntax_rejection(exc: etree.XMLSyntaxError, name: str) -> XmlRejected:
    # exc.error_log accumulates across parses in a thread, so read the exception itself.
    message = _POSITION_SUFFIX.sub("", exc.msg or str(exc)).strip()
    line = exc.lineno or None
    if "encoding" in message.lower() or "utf-8" in message.lower():
        return XmlRejected(
            "xml.encoding",
            f"The file's bytes do not match its encoding ({message}). Save it as UTF-8.",
            name,
            line,
        )
    return XmlRejected(
        "xml.not_well_formed",
        f"The file is not well-formed XML: {message}. Export the diagram again from the modeler.",
        name,
        line,
    )


def _document_kind(root: etree._Element, name: str) -> DocumentKind:
    qname = etree.QName(root)
    namespace, local = qname.namespace or "", qname.localname
    if local == "definitions" and namespace == BPMN_MODEL_NS:
        return DocumentKind.BPMN
    if local == "definitions" and namespace in DMN_NAMESPACES:
        return DocumentKind.DMN
    if "omg.org/spec/DMN/" in namespace:
        supported = ", ".join(f"{version} ({ns})" for ns, version in DMN_NAMESPACES.items())
        raise XmlRejected(
            "dmn.unsupported_version",
            f"This DMN version ({namespace}) is not supported. Supported DMN versions: {supported}. "
            "Export the decision as DMN 1.3.",
            name,
            root.sourceline,
        )
    shown = f"{{{namespace}}}{local}" if namespace else local
    raise XmlRejected(
        "xml.not_bpmn",
        f"The root element is <{shown}>, not a BPMN 2.0 <definitions> element in the namespace "
        f"{BPMN_MODEL_NS} or a DMN <definitions>. Export the diagram as BPMN 2.0 XML.",
        name,
        root.sourceline,
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
