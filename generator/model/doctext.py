"""Clean the description text found in the reference pages.

The pages are machine-written from .NET XML doc comments, so a description is Markdown
mixed with XML-doc tags (`<para />`, `<see cref=...>`, `<c>`), a little HTML (`<a>`, `<ul>`)
and entities that were escaped once or twice (`&lt;para/&gt;`, `&amp;apos;`).
`clean_doc_text` turns that into plain CommonMark that is safe to put in an OpenAPI
description and in a Python docstring.

Rules (see the function docstrings for details):

* Entities are decoded until nothing changes, so single and double escaping both end up
  as the character. Escaped tags (`&lt;c&gt;`) are therefore handled like real ones.
* Known tags are converted to Markdown; every other `<` that could open an HTML tag,
  comment or declaration is written as `&lt;` so the output never holds live HTML.
* A literal backslash-n (`\\n`, two characters) is kept verbatim: inside `<c>` it is the
  C# escape the docs mean to show, so it stays in the code span; it is never turned into
  a line break. Renderers that put the text in a Python string must escape backslashes.
* Inside code spans and fenced blocks a tag-like `<` cannot be escaped in CommonMark, so a
  `<c>` whose content looks like a tag is written as escaped plain text instead, and a
  fenced block shows `&lt;` literally (rare; safety wins).
"""

from __future__ import annotations

import html.entities
import re

__all__ = ["clean_doc_text", "first_sentence", "split_online_restricted"]

# Private-use characters delimit placeholders for protected chunks (code spans, fences);
# any in the input are dropped first so they cannot be confused with ours.
_PH_OPEN = "\ue000"
_PH_CLOSE = "\ue001"
_PH_RE = re.compile(_PH_OPEN + r"(\d+)" + _PH_CLOSE)

# --- entities -------------------------------------------------------------------------

# Only entities terminated by ";" are decoded: html.unescape would also decode legacy
# forms without ";" and turn a query string like "?a=1&reg=2" into "?a=1®=2".
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MAX_DECODE_ROUNDS = 8  # "&amp;amp;amp;..." is bounded; real pages need at most 2


def _decode_one(match: re.Match[str]) -> str:
    body = match.group(1)
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        except ValueError:  # pragma: no cover - the regex only admits digits
            return match.group(0)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return "\ufffd"
        return chr(code)
    return html.entities.html5.get(body + ";", match.group(0))


def _decode_entities(text: str) -> str:
    for _ in range(_MAX_DECODE_ROUNDS):
        decoded = _ENTITY_RE.sub(_decode_one, text)
        if decoded == text:
            break
        text = decoded
    return text


# Control characters other than newline/tab would end up in docstrings and YAML.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029" + _PH_OPEN + _PH_CLOSE + "]")


def _normalise_input(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub("", text)
    return text.replace("\t", "    ").replace("\u00a0", " ")


# --- escaping -------------------------------------------------------------------------

# CommonMark raw HTML starts with "<" followed by a letter, "/", "!" or "?".
_TAG_START_RE = re.compile(r"<(?=[A-Za-z/!?])")
# A "&" that CommonMark (or a second decoding pass) could read as an entity.
_AMP_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def _escape_text(text: str) -> str:
    """Escape decoded prose so it renders as itself and holds no live HTML."""
    text = _AMP_ENTITY_RE.sub("&amp;", text)
    return _TAG_START_RE.sub("&lt;", text)


def _looks_like_html(text: str) -> bool:
    return _TAG_START_RE.search(text) is not None


# --- cref / curly references ------------------------------------------------------------

# Namespace segments of SuperOffice/.NET names; what follows the last one is the type name.
_NAMESPACE_WORDS = frozenset(
    {
        "SuperOffice",
        "System",
        "CRM",
        "Services",
        "Data",
        "Util",
        "Globalization",
        "Security",
        "Archive",
        "Archives",
        "Entities",
        "Rows",
        "Tables",
        "Lists",
        "Collections",
        "Generic",
        "Configuration",
        "Exceptions",
        "Web",
        "WebApi",
        "Messaging",
        "Cache",
        "Factory",
        "Identity",
        "Diagnostics",
        "Scripting",
        "Documents",
        "Carriers",
        "Dto",
        "Models",
        "Api",
        "Text",
        "IO",
        "Net",
        "Linq",
        "Threading",
        "Tasks",
        "Base",
        "Common",
        "Core",
        "Online",
        "Visible",
        "Usage",
    }
)
_GENERIC_ARITY_RE = re.compile(r"`+\d+")


def _short_type_name(dotted: str) -> str:
    """`SuperOffice.Data.RecurrenceEndType.EndDate` -> `RecurrenceEndType.EndDate`."""
    parts = [p for p in _GENERIC_ARITY_RE.sub("", dotted).split(".") if p]
    if not parts:
        return dotted
    start = 0
    for i, part in enumerate(parts[:-1]):
        if part in _NAMESPACE_WORDS:
            start = i + 1
    tail = parts[start:]
    # An unknown namespace word would leak in; a type and its member are enough.
    return ".".join(tail[-2:])


def _cref_display(cref: str) -> str:
    """Display text for a self-closing `<see cref="X:...">`.

    T: gives the type name, F: (usually an enum member) gives `Type.Member`, and P:, M:, E:
    give the member name (the last dotted part, method parameters dropped).
    """
    kind, sep, name = cref.partition(":")
    if not sep or len(kind) != 1:
        kind, name = "", cref
    name = name.split("(", 1)[0]
    name = _GENERIC_ARITY_RE.sub("", name).strip(". ")
    parts = [p for p in name.split(".") if p]
    if not parts:
        return ""
    if kind == "F" and len(parts) >= 2:
        return ".".join(parts[-2:])
    if kind in ("", "T", "N"):
        return _short_type_name(name) if kind == "" else parts[-1]
    return parts[-1]


# --- the converter --------------------------------------------------------------------

# The lookbehind makes a name start only at a name boundary: without it every position inside
# a long run of name characters would start a new (failing) scan, quadratic in the run.
_ATTR_RE = re.compile(
    r"""(?<![\w:.-])([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
)


def _attrs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(text or ""):
        value = m.group(2) if m.group(2) is not None else m.group(3) or m.group(4) or ""
        out[m.group(1).lower()] = value
    return out


# Every alternative must stay linear on hostile input (a page may hold 100k unclosed tags):
# a paired tag's body never runs past the next opening tag of the same kind, so an unclosed
# `<see>` scans only to the next `<see` rather than to the end of the text each time; a code
# span is at most 1,000 characters; attribute runs are greedy with one way to match.
_TOKEN_RE = re.compile(
    r"""
      (?P<codespan>(?<!`)(?P<ticks>`+)(?!`)
        (?P<code>(?:(?!\n[ ]*\n)[\s\S]){1,1000}?)(?<!`)(?P=ticks)(?!`))
    | <(?P<ctag>c|tt|code|pre)(?P<cattrs>\s[^<>]*)?(?<!/)>
        (?P<cbody>(?:(?!<(?:c|tt|code|pre)\b)[\s\S])*?)</(?P=ctag)\s*>
    | <(?P<seetag>see|seealso)(?P<seeattrs>\s[^<>]*)?(?<!/)>
        (?P<seebody>(?:(?!<see)[\s\S])*?)</(?P=seetag)\s*>
    | <(?P<atag>a)(?P<aattrs>\s[^<>]*)?(?<!/)>(?P<abody>(?:(?!<a\b)[\s\S])*?)</a\s*>
    | <(?P<autolink>(?:https?|mailto):[^\s<>]+)>
    | <(?P<close>/)?(?P<tag>[A-Za-z][\w:-]*)(?P<attrs>\s[^<>]*)?/?>
    | \{(?:[TPMFEN]:)?(?P<curly>(?:SuperOffice|System)(?:\.[A-Za-z_]\w*(?:`\d+)?)+)\}
    """,
    re.VERBOSE | re.IGNORECASE,
)

_PARA_TAGS = frozenset({"para", "p", "summary", "remarks", "returns", "value", "example"})
_BREAK_TAGS = frozenset({"br"})
_LIST_TAGS = frozenset({"ul", "ol", "list"})
_ITEM_TAGS = frozenset({"li", "item"})
_STRONG_TAGS = frozenset({"b", "strong"})
_EM_TAGS = frozenset({"i", "em"})
# Tags whose markup is dropped but whose content is kept.
_TRANSPARENT_TAGS = frozenset(
    {
        "description",
        "listheader",
        "span",
        "div",
        "exception",
        "typeparam",
        "param",
        "inheritdoc",
    }
)
_NAME_REF_TAGS = frozenset({"paramref", "typeparamref"})

_SAFE_URL_RE = re.compile(r"^(?:https?://|mailto:|/|#|\.{1,2}/|[\w.-]+(?:/|$|[?#]))", re.I)


def _safe_url(url: str) -> str | None:
    url = url.strip()
    if not url or not _SAFE_URL_RE.match(url):
        return None  # javascript:, data: and friends lose their link, keep their text
    # Characters that would end the Markdown link destination or open HTML.
    for ch, enc in (
        (" ", "%20"),
        ("(", "%28"),
        (")", "%29"),
        ("<", "%3C"),
        (">", "%3E"),
    ):
        url = url.replace(ch, enc)
    return url.replace('"', "%22").replace("`", "%60").replace("\n", "")


def _code_span(content: str) -> str:
    """A CommonMark code span whose delimiter is longer than any backtick run inside."""
    content = " ".join(content.split("\n"))
    if not content.strip():
        return ""
    longest = max((len(m) for m in re.findall(r"`+", content)), default=0)
    ticks = "`" * (longest + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    return f"{ticks}{content}{ticks}"


def _fence(content: str, info: str = "") -> str:
    lines = content.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    body = "\n".join(line.rstrip() for line in lines)
    body = _TAG_START_RE.sub("&lt;", body)  # no way to escape inside a fence; see module doc
    longest = max((len(m) for m in re.findall(r"^ {0,3}(`{3,}|~{3,})", body, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    info = re.sub(r"[^\w+#.-]", "", info)
    return f"{fence}{info}\n{body}\n{fence}"


class _Converter:
    """Walks decoded prose and emits Markdown; protected chunks go to `self.held`."""

    def __init__(self) -> None:
        self.held: list[str] = []
        self.out: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]

    def hold(self, chunk: str) -> str:
        self.held.append(chunk)
        return f"{_PH_OPEN}{len(self.held) - 1}{_PH_CLOSE}"

    def text(self, text: str) -> None:
        if self.lists:
            text = text.replace("\n", " ")  # a line break would end the list item
        self.out.append(_escape_text(text))

    def block_break(self) -> None:
        self.out.append(" " if self.lists else "\n\n")

    def inline(self, text: str) -> str:
        """Convert a fragment (link text, see body) on its own, as one line."""
        sub = _Converter()
        sub.held = self.held  # share placeholders
        sub.lists = [[0, 0]] if self.lists else []
        sub.run(text)
        return " ".join("".join(sub.out).split())

    def run(self, text: str) -> None:
        pos = 0
        for m in _TOKEN_RE.finditer(text):
            if m.start() > pos:
                self.text(text[pos : m.start()])
            pos = m.end()
            self.token(m)
        if pos < len(text):
            self.text(text[pos:])

    def token(self, m: re.Match[str]) -> None:
        if m.group("codespan") is not None:
            code = m.group("code")
            if len(code) > 2 and code[0] == code[-1] == " " and code.strip():
                code = code[1:-1]  # CommonMark strips one space on each side
            self.code(code)
        elif m.group("ctag") is not None:
            body = m.group("cbody")
            if "\n" in body.strip("\n") and m.group("ctag").lower() in ("code", "pre"):
                lang = _attrs(m.group("cattrs") or "").get("lang", "")
                fenced = _fence(body, lang)
                if fenced:
                    self.out.append("\n\n" + self.hold(fenced) + "\n\n")
            else:
                self.code(body)
        elif m.group("seetag") is not None:
            body = m.group("seebody")
            attrs = _attrs(m.group("seeattrs") or "")
            if body.strip():
                label = self.inline(body)
                url = _safe_url(attrs["href"]) if "href" in attrs else None
                self.out.append(f"[{_bracket_escape(label)}]({url})" if url else label)
            else:
                self.self_closing_see(attrs)
        elif m.group("atag") is not None:
            attrs = _attrs(m.group("aattrs") or "")
            label = self.inline(m.group("abody"))
            url = _safe_url(attrs.get("href", ""))
            if url:
                self.out.append(f"[{_bracket_escape(label) or _escape_text(url)}]({url})")
            else:
                self.out.append(label)
        elif m.group("autolink") is not None:
            url = _safe_url(m.group("autolink"))
            if url:
                self.out.append(f"[{_bracket_escape(_escape_text(url))}]({url})")
        elif m.group("curly") is not None:
            self.code(_short_type_name(m.group("curly")))
        else:
            self.tag(m)

    def code(self, content: str) -> None:
        if _looks_like_html(content):
            # A code span cannot hold an escaped "<"; show it as escaped text instead.
            self.text(content.replace("\n", " "))
        elif content.strip():
            self.out.append(self.hold(_code_span(content)))

    def self_closing_see(self, attrs: dict[str, str]) -> None:
        if "cref" in attrs:
            self.code(_cref_display(attrs["cref"]))
        elif "langword" in attrs:
            self.code(attrs["langword"])
        elif "href" in attrs:
            url = _safe_url(attrs["href"])
            if url:
                self.out.append(f"[{_bracket_escape(_escape_text(url))}]({url})")

    def tag(self, m: re.Match[str]) -> None:
        name = m.group("tag").lower()
        closing = m.group("close") is not None
        attrs = _attrs(m.group("attrs") or "")
        if name in _PARA_TAGS:
            self.block_break()
        elif name in _BREAK_TAGS:
            self.out.append(" " if self.lists else "\n")
        elif name in _LIST_TAGS:
            if closing:
                if self.lists:
                    self.lists.pop()
                self.out.append("\n\n" if not self.lists else "")
            else:
                ordered = name == "ol" or attrs.get("type", "").lower() == "number"
                self.out.append("\n\n" if not self.lists else "")
                self.lists.append([int(ordered), 0])
        elif name in _ITEM_TAGS:
            if not closing:
                if not self.lists:
                    self.out.append("\n\n")
                    self.lists.append([0, 0])
                level = self.lists[-1]
                level[1] += 1
                marker = f"{level[1]}." if level[0] else "-"
                indent = "  " * (len(self.lists) - 1)
                self.out.append(f"\n{indent}{marker} ")
        elif name == "term":
            self.out.append(":" if closing else "")
            if closing:
                self.out.append(" ")
        elif name in _STRONG_TAGS:
            self.out.append("**")
        elif name in _EM_TAGS:
            self.out.append("*")
        elif name in _NAME_REF_TAGS:
            self.code(attrs.get("name", ""))
        elif name in ("see", "seealso"):
            if not closing:
                self.self_closing_see(attrs)
        elif name in _TRANSPARENT_TAGS or name in ("a", "c", "tt", "code", "pre"):
            pass  # unpaired or wrapper tag: keep the text, drop the markup
        else:
            self.text(m.group(0))  # unknown: shown as text, escaped


def _bracket_escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


# --- whitespace and pseudo-headings ----------------------------------------------------

_FENCE_LINE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s")
_INNER_SPACES_RE = re.compile(r"(?<=\S)[ ]{2,}")
# "## Filter Operators: ## rest" - a heading in the source, a bold label in intent.
# The label starts with a non-space so that `[ ]*` and the label cannot share a run of spaces
# (which made a long "##     ..." line quadratic).
_PSEUDO_HEADING_RE = re.compile(r"^[ ]{0,3}#{1,6}[ ]*([^#\n \t][^#\n]*?:)[ ]*#{1,6}[ ]*(.*)$", re.M)


def _tidy_lines(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if not _LIST_MARKER_RE.match(line):
            line = line.lstrip(" ")  # stray indentation would make an indented code block
        lines.append(_INNER_SPACES_RE.sub(" ", line).rstrip())
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n")


def _split_fences(text: str) -> list[tuple[bool, str, str]]:
    """Split into (is_fence, info, content) segments; an unclosed fence runs to the end."""
    segments: list[tuple[bool, str, str]] = []
    buf: list[str] = []
    fence: str | None = None
    info = ""
    for line in text.split("\n"):
        m = _FENCE_LINE_RE.match(line)
        if fence is None:
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                segments.append((False, "", "\n".join(buf)))
                buf, fence, info = [], m.group(1), m.group(2).strip()
            else:
                buf.append(line)
        elif (
            m
            and m.group(1)[0] == fence[0]
            and len(m.group(1)) >= len(fence)
            and not m.group(2).strip()
        ):
            segments.append((True, info, "\n".join(buf)))
            buf, fence = [], None
        else:
            buf.append(line)
    segments.append((fence is not None, info, "\n".join(buf)))
    return segments


def clean_doc_text(raw: str) -> str:
    """Turn a page description into clean CommonMark.

    Paragraph tags (`<para/>`, `<p/>`, `<para>..</para>`) become blank lines, `<br/>` a
    newline; `<see cref>` keeps its text or shows the member name as code; `<c>` becomes a
    code span; `<a href>` a Markdown link; `<ul>/<ol>/<list>` Markdown lists; curly
    references `{SuperOffice.X.Type}` become code spans of the short name. Pseudo-headings
    `## Label: ## text` become `**Label:**` followed by the text. Runs of spaces collapse,
    trailing spaces go, three or more newlines become one blank line. Never raises.
    """
    text = _normalise_input(raw)
    conv = _Converter()
    parts: list[str] = []
    for is_fence, info, content in _split_fences(text):
        if is_fence:
            fenced = _fence(_decode_entities(content), info)
            if fenced:
                parts.append("\n\n" + conv.hold(fenced) + "\n\n")
            continue
        conv.out = []
        conv.lists = []
        decoded = _normalise_input(_decode_entities(content))
        decoded = _PSEUDO_HEADING_RE.sub(_pseudo_heading, decoded)
        conv.run(decoded)
        parts.append("".join(conv.out))
    cleaned = _tidy_lines("".join(parts))
    # Pieces were escaped one by one; a "<" at the end of one piece followed by a letter
    # at the start of the next could still form a tag, so escape once more over the whole.
    cleaned = _TAG_START_RE.sub("&lt;", cleaned)
    return _PH_RE.sub(lambda m: conv.held[int(m.group(1))], cleaned).strip()


def _pseudo_heading(m: re.Match[str]) -> str:
    label, rest = m.group(1).strip(), m.group(2).strip()
    return f"\n\n<b>{label}</b>" + (f"\n\n{rest}" if rest else "") + "\n\n"


# --- Online Restricted note -------------------------------------------------------------

_RESTRICTED_RE = re.compile(
    r"^[ ]{0,3}(?:#{1,6}[ ]*Online Restricted:[ ]*#{0,6}|\*\*Online Restricted:\*\*)[ ]*(.*)$",
    re.I,
)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=\S)")
# Sentences that belong to the restriction note rather than to the endpoint description.
_RESTRICTION_SENTENCE_RE = re.compile(
    r"not available in Online|Online by default|access must be requested|app is registered"
    r"|partner apps?\b|SuperOffice-internal",
    re.I,
)
# "Online ... restricted|available": two searches, since `Online.*restricted` backtracks
# quadratically over a sentence that repeats "Online" many times.
_ONLINE_RE = re.compile(r"\bOnline\b", re.I)
_RESTRICTED_WORD_RE = re.compile(r"\b(?:restricted|available)\b", re.I)


def _is_restriction_sentence(sentence: str) -> bool:
    if _RESTRICTION_SENTENCE_RE.search(sentence):
        return True
    online = _ONLINE_RE.search(sentence)
    return online is not None and _RESTRICTED_WORD_RE.search(sentence, online.end()) is not None


def _split_note(line_rest: str) -> tuple[str, str]:
    """Split the text after the marker into (note, description continuing on that line)."""
    sentences = _SENTENCE_SPLIT_RE.split(line_rest.strip())
    n = 1  # the first sentence is the note even if worded unexpectedly
    while n < len(sentences) and _is_restriction_sentence(sentences[n]):
        n += 1
    return " ".join(sentences[:n]), " ".join(sentences[n:])


def split_online_restricted(text: str) -> tuple[str, str]:
    """Pull the `## Online Restricted: ## ...` pseudo-heading out of a description.

    Returns (rest_of_description, restriction_note). The note is the run of sentences after
    the marker that talk about Online availability; any further text on the same line (the
    pages sometimes continue the description there) stays in the description, in place.
    If the marker line holds nothing, the next non-blank line is the note. Also accepts the
    `**Online Restricted:**` form that `clean_doc_text` produces. With no marker returns
    (text, "") unchanged.
    """
    kept: list[str] = []
    notes: list[str] = []
    awaiting_note = False
    found = False
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _RESTRICTED_RE.match(line)
        if m:
            found = True
            rest = m.group(1).strip()
            if rest.startswith("**") and rest.endswith("**") and len(rest) > 4:
                rest = rest[2:-2].strip()
            if not rest:
                awaiting_note = True
                continue
            note, remainder = _split_note(rest)
            notes.append(note)
            if remainder:
                kept.append(remainder)
            continue
        if awaiting_note and line.strip():
            notes.append(line.strip())
            awaiting_note = False
            continue
        kept.append(line)
    if not found:
        return text, ""
    body = "\n".join(line.rstrip() for line in kept)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    unique = list(dict.fromkeys(notes))  # several markers with the same note: say it once
    return body, " ".join(unique)


# --- one-line summary -------------------------------------------------------------------

_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "no.", "incl."})
_LINK_RE = re.compile(r"(?<!\\)\[((?:[^\[\]\\]|\\.)*)\]\([^()\s]*\)")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
# whole backtick runs only: without the lookarounds a long run of backticks is cubic
_CODE_SPAN_RE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")
_MAX_SUMMARY_SCAN = 2000


def first_sentence(text: str, max_len: int = 120) -> str:
    """A one-line summary: the first sentence of the first prose line, at most `max_len`.

    Meant for plain-text places (OpenAPI `summary`, a docstring's first line), so Markdown
    links are reduced to their text and bold markers dropped; code spans are kept whole.
    Headings markers and list bullets are stripped; fenced code is skipped. Too long a
    sentence is cut at a word boundary (never inside a code span) and ends with "...".
    """
    line = ""
    in_fence = False
    for candidate in text.replace("\r\n", "\n").split("\n"):
        if _FENCE_LINE_RE.match(candidate):
            in_fence = not in_fence
            continue
        if in_fence or not candidate.strip():
            continue
        line = candidate.strip()
        break
    # A summary is one short sentence; the regexes below need not see a megabyte-long line.
    line = line[:_MAX_SUMMARY_SCAN]
    line = re.sub(r"^(?:#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)", "", line)
    line = re.sub(r"\s#{1,6}\s*$", "", line)
    line = _LINK_RE.sub(lambda m: m.group(1).replace("\\[", "[").replace("\\]", "]"), line)
    line = _EMPHASIS_RE.sub(r"\2", line)
    line = " ".join(line.split())
    protected = [(m.start(), m.end()) for m in _CODE_SPAN_RE.finditer(line)]

    def inside_code(i: int) -> bool:
        return any(a <= i < b for a, b in protected)

    for m in _SENTENCE_END_RE.finditer(line):
        if inside_code(m.start()):
            continue
        word = line[: m.end()].rsplit(" ", 1)[-1].lower()
        if word in _ABBREVIATIONS:
            continue
        line = line[: m.end()]
        break
    if len(line) <= max_len:
        return line
    limit = max(max_len - 3, 1)
    cut = line.rfind(" ", 0, limit + 1)
    if cut <= 0:
        cut = limit
    for a, b in protected:
        if a < cut < b:
            cut = a  # never split a code span
    head = line[:cut].rstrip(" ,;:")
    if not head:  # one huge code span or word at the start: cut it as plain text
        head = line.replace("`", "")[:limit]
    return head + "..."
