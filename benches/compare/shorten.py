"""The first sentence of an article, for the `<corpus>-short` variants.

`first_sentence(corpus, text)` cuts a record's `text` to one sentence, by
these rules (stdlib only; deterministic):

1. The body. The title line (and, for Le Monde, the comment count scraped
   after it) is left out: the short text is the article's lead sentence, not
   its headline.
   * `agnews`, `thn`, `reuters`: the text after the first line break.
   * `lemonde`, `lemonde1`: the text after `title\\r\\n\\r\\n\\r\\n<count>\\n`.
   * `20ng`: the text after the header block (up to the first blank line).
   * `spam`: the mail parsed with the `email` package: the first non-empty
     text/plain part, else the first text/html part with its tags removed,
     transfer encodings undone.
   For mail and news posts (`20ng`, `spam`) the writer's own words only:
   quoted lines (starting with `>`, `|` or `: `), attribution lines ("In article
   <...>", "... writes:" / "wrote:"), PGP armour lines ("-----BEGIN PGP
   ...", "Hash: SHA1") and everything from a `--` signature line on are
   dropped; a dropped line ends a paragraph.
2. Paragraphs. A blank line (or a line without a letter or digit) ends a
   paragraph. In `lemonde*` and `thn`, whose texts are not hard-wrapped,
   every line break does. Inside a paragraph, whitespace runs become one
   space (control characters count as whitespace).
3. Sentences. A sentence ends after `.`, `!`, `?` or `…` (and any closing
   quote or bracket) followed by whitespace and then an upper-case letter, a
   digit or an opening quote/bracket, unless the word before the `.` is an
   initial or a common abbreviation ("U.S.", "Mr.", "Feb.", "M.", "Inc.",
   ...). A paragraph end ends a sentence too.
4. The first sentence of at least 3 words is kept (skipping greetings such
   as "Hi all,"); if there is none, the first sentence; then at most its
   first 40 words.
5. Fallbacks, so that no text is empty: the title (for `20ng` and `spam`,
   the Subject header without "Re:"), then the first 40 words of the text.
"""

import email
import email.policy
import html
import re
from html.parser import HTMLParser

MAX_WORDS = 40
MIN_WORDS = 3

# Corpora whose line breaks are paragraph breaks (texts not hard-wrapped).
_LINE_PARAGRAPHS = {"lemonde", "lemonde1", "thn"}
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "inc", "corp", "co",
    "ltd", "gov", "sen", "rep", "gen", "col", "lt", "sgt", "capt", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "no", "nos", "vs", "etc", "e.g", "i.e", "approx", "fig", "vol",
    "mme", "mlle", "mm", "me", "av", "cf", "dept",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# A candidate end: terminal punctuation and any closing quotes/brackets,
# before whitespace; sentences() then checks what follows.
_END = re.compile(r"[.!?\u2026]+[\"'\u00bb\u201d\u2019)\]]*(?=\s)")
# What may stand between a sentence end and the next sentence's first letter.
_OPENING = "\"'([\u00ab\u201c\u2018-\u2013\u2014 \u00a0"
_LEMONDE_HEAD = re.compile(r"^.*?\r\n\r\n\r\n\d*\n", re.S)
_QUOTED = re.compile(r"^\s*(>|\||:(\s|>))")
_ATTRIBUTION = re.compile(r"^\s*In article\b|\b(writes|wrote|says|said)\s*:\s*$",
                          re.I)
_SIGNATURE = re.compile(r"^--\s*$")
# PGP armour of signed messages.
_ARMOUR = re.compile(r"^(-----(BEGIN|END) PGP |Hash:\s*\S+\s*$)")
_HAS_WORD = re.compile(r"\w")


def _abbreviation_before(text, end):
    """True when the '.' at text[end] closes an initial or abbreviation."""
    if text[end] != ".":
        return False
    word = text[:end].rsplit(None, 1)[-1] if text[:end].strip() else ""
    word = word.lstrip("\"'(\u00ab\u201c")
    if re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word):  # "M", "U.S", "J.-C"
        return True
    return word.lower() in _ABBREVIATIONS


def starts_sentence(rest):
    """True when `rest` (the text after a candidate end) starts with an
    upper-case letter or a digit, after any opening quotes or brackets."""
    rest = rest.lstrip(_OPENING)
    return bool(rest) and (rest[0].isupper() or rest[0].isdigit())


def sentences(paragraph):
    """Split one paragraph (whitespace already collapsed) into sentences."""
    out = []
    start = 0
    for m in _END.finditer(paragraph):
        if (not starts_sentence(paragraph[m.end():])
                or _abbreviation_before(paragraph, m.start())):
            continue
        piece = paragraph[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = paragraph[start:].strip()
    if rest:
        out.append(rest)
    return out


def paragraphs(lines, line_paragraphs):
    """Group lines into paragraphs (lists of lines); None in `lines` is a
    dropped line, which ends a paragraph."""
    out, current = [], []
    for line in lines:
        if line is None or not _HAS_WORD.search(line):
            if current:
                out.append(current)
            current = []
            continue
        current.append(line)
        if line_paragraphs:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return [_SPACES.sub(" ", _CONTROL.sub(" ", " ".join(p))).strip()
            for p in out]


def pick(paras):
    """The first sentence of at least MIN_WORDS words (else the first one),
    cut to MAX_WORDS words; None when there is no sentence."""
    first = None
    for para in paras:
        for sentence in sentences(para):
            words = sentence.split()
            if not words:
                continue
            if first is None:
                first = words
            if len(words) >= MIN_WORDS:
                return " ".join(words[:MAX_WORDS])
    return " ".join(first[:MAX_WORDS]) if first else None


def own_lines(body):
    """A post's or mail's lines with quotes, attributions and the signature
    replaced by None (paragraph breaks)."""
    out = []
    for line in body.split("\n"):
        if _SIGNATURE.match(line):
            break
        if (_QUOTED.match(line) or _ATTRIBUTION.search(line)
                or _ARMOUR.match(line)):
            out.append(None)
        else:
            out.append(line)
    return out


class _TextOfHtml(HTMLParser):
    """Text of an HTML document: tags dropped, script/style skipped, block
    elements turned into blank lines."""

    _BLOCKS = {"p", "div", "br", "tr", "li", "table", "h1", "h2", "h3", "h4",
               "td", "center", "hr", "title", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(markup):
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # malformed markup: keep what was read
        pass
    return html.unescape("".join(parser.parts))


def mail_body(text):
    """(subject, body text) of a raw mail message."""
    msg = email.message_from_string(text, policy=email.policy.compat32)
    subject = str(msg.get("Subject", "") or "")
    plain = markup = None
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        if payload is None:
            payload = str(part.get_payload()).encode("latin-1", "replace")
        charset = part.get_content_charset() or "latin-1"
        try:
            decoded = payload.decode(charset, "replace")
        except LookupError:
            decoded = payload.decode("latin-1", "replace")
        if not decoded.strip():
            continue
        if ctype == "text/plain" and plain is None:
            plain = decoded
        elif ctype == "text/html" and markup is None:
            markup = decoded
    if plain is not None:
        body = plain
    elif markup is not None:
        body = html_text(markup)
    else:
        body = ""
    return subject, body.replace("\r\n", "\n").replace("\r", "\n")


def _subject_title(subject):
    return re.sub(r"^\s*((re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.I)


def first_sentence(corpus, text):
    """The short text of one record of `corpus` (a base corpus name)."""
    title = ""
    if corpus == "20ng":
        head, sep, body = text.partition("\n\n")
        if not sep:
            head, body = "", text
        subject = re.search(r"^Subject:(.*)$", head, re.M)
        title = _subject_title(subject.group(1)) if subject else ""
        lines = own_lines(body)
    elif corpus == "spam":
        subject, body = mail_body(text)
        title = _subject_title(subject)
        lines = own_lines(body)
    else:
        if corpus in ("lemonde", "lemonde1"):
            m = _LEMONDE_HEAD.match(text)
            title, body = ((text[:m.end()].split("\r\n", 1)[0], text[m.end():])
                           if m else text.lstrip().partition("\n")[::2])
        else:
            title, _, body = text.lstrip().partition("\n")
        lines = body.split("\n")
    short = pick(paragraphs(lines, corpus in _LINE_PARAGRAPHS))
    if short is None:
        short = pick(paragraphs([title], False))
    if short is None:
        short = " ".join(_CONTROL.sub(" ", text).split()[:MAX_WORDS])
    return short
