"""LaTeX in metadata (arXiv titles and abstracts, BibTeX fields) to Unicode text.

`decode` turns what is unambiguous outside math into the characters it stands for: accents
(`{\\"o}`, `\\'e`, `\\c{c}`, `\\v s`), special letters (`\\ss`, `\\o`, `\\ae`, `\\i`), escaped
characters (`\\&`, `\\%`, `\\_`, `\\$`), dashes (`--`, `---`), quotes (``` ``...'' ```), text
styles whose argument is plain text (`\\textit{...}`, `\\emph{...}`, `{\\bf ...}`) and a few
named symbols (`\\ldots`, `\\LaTeX`). Math (`$...$`, `$$...$$`, `\\(...\\)`, `\\[...\\]`) is
left exactly as written, and so is any command it does not know (`\\cite{x}`).

Braces are kept except around a decoded letter (`{\\"o}`) or a style's argument; `~` is kept
(abstracts write `~10x` for "about"); after a letter command TeX's rule holds, so `Bj\\o rn` is
Bjørn.

Plain text costs a few substring checks: nothing is parsed unless a backslash, `--`, ``` `` ```
or `''` is there.

Why not pylatexenc: its LatexNodes2Text is the careful general converter, but it parses every
string into nodes: some 3.5 ms per abstract, measured on arXiv-like abstracts, against about
1 us (plain) to 7 us (with LaTeX) here, for an import of millions of records. It also rewrites
math (`$\\mathbb{Z}^d$` -> `ℤ^d`) and citations (`\\cite{x}` -> `<cit.>`), which metadata
should keep. The constructs above are the ones metadata uses; anything else is left as it
was rather than guessed at.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["decode"]

# Accent command -> combining mark. Symbol accents take their letter directly (\'e);
# letter-named ones need braces or a space (\c{c}, \c c), or they would be other commands.
_MARKS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "SS": "SS",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
}
_SYMBOLS = {
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "textendash": "–",
    "textemdash": "—",
    "textquoteleft": "‘",
    "textquoteright": "’",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "guillemotleft": "«",
    "guillemotright": "»",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textbullet": "•",
    "textdegree": "°",
    "textregistered": "®",
    "texttrademark": "™",
    "copyright": "©",
    "textcopyright": "©",
    "pounds": "£",
    "textsterling": "£",
    "euro": "€",
    "texteuro": "€",
    "S": "§",
    "P": "¶",
    "dag": "†",
    "ddag": "‡",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "LaTeXe": "LaTeX2e",
    "textunderscore": "_",
    "textdollar": "$",
}
# Escaped characters and spacing commands (\, \; \  \\ are spaces; \- \/ \@ are nothing).
_ESCAPES = {
    "&": "&",
    "%": "%",
    "_": "_",
    "$": "$",
    "#": "#",
    "{": "{",
    "}": "}",
    " ": " ",
    "\n": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "\\": " ",
    "-": "",
    "/": "",
    "@": "",
}
_STYLES = (
    "textit|textbf|textsl|textsc|textrm|textsf|texttt|textup|textmd|textnormal|emph"
    "|mbox|text|textsuperscript|textsubscript|underline|uline"
)
_SWITCHES = (
    "it|bf|sl|sc|rm|sf|tt|em|itshape|bfseries|scshape|slshape|upshape|rmfamily|sffamily"
    "|ttfamily|normalfont"
)

_LETTER = r"(?:\\[ij](?![A-Za-z])|[A-Za-z])"
_LETTER_SPACED = r"(?:\\[ij](?![A-Za-z])[ \t]*|[A-Za-z])"  # TeX skips spaces after \i
_SYMBOL_ACCENT = (
    r"""\\(?P<sa>['`^"~=.])\s*(?:\{\s*(?P<sab>"""
    + _LETTER
    + r")\s*\}|(?P<sal>"
    + _LETTER_SPACED
    + "))"
)
_LETTER_ACCENT = (
    r"\\(?P<la>[uvHckrdb])(?:\s*\{\s*(?P<lab>" + _LETTER + r")\s*\}|\s+(?P<lal>[A-Za-z]))"
)
_WORD_LETTER = (
    r"\\(?P<w>"
    + "|".join(sorted(_LETTERS, key=len, reverse=True))
    + r")(?![A-Za-z])(?:\s*\{\}|[ \t]+(?=[A-Za-z]))?"
)
_WORD_SYMBOL = (
    r"\\(?P<s>" + "|".join(sorted(_SYMBOLS, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\})?"
)
_ESCAPE = r"\\(?P<e>[&%_$#{} \n,;:\\\-/@])"

# One pass over everything a backslash starts.
_COMMANDS = re.compile(
    "|".join((_SYMBOL_ACCENT, _LETTER_ACCENT, _WORD_LETTER, _WORD_SYMBOL, _ESCAPE))
)
# `{\"o}`, `{\ss}`: a letter in braces loses them (but not the argument of an accent: \'{\i}).
_BRACED = re.compile(
    r"\{\s*("
    + "|".join(
        (
            r"""\\['`^"~=.]\s*(?:\{\s*""" + _LETTER + r"\s*\}|" + _LETTER + ")",
            r"\\[uvHckrdb](?:\s*\{\s*" + _LETTER + r"\s*\}|\s+[A-Za-z])",
            r"\\(?:" + "|".join(sorted(_LETTERS, key=len, reverse=True)) + r")(?![A-Za-z])",
        )
    )
    + r")\s*\}"
)
_ACCENT_CHARS = frozenset("'`^\"~=.uvHckrdb")
_STYLE = re.compile(r"\\(?:" + _STYLES + r")\s*\{([^{}\\]*)\}")
_SWITCH = re.compile(r"\{\\(?:" + _SWITCHES + r")(?![A-Za-z])\s*([^{}\\]*)\}")
# Math. Each pattern starts with one literal character, which re finds as fast as str.find.
# one character at a time inside $...$ (not [^$\\]+): nested quantifiers backtrack
# exponentially on an unclosed $ (a dollar amount in an abstract)
_DOLLAR_MATH = re.compile(r"\$(?:\$.+?\$\$|(?:[^$\\]|\\.)+?\$)", re.S)
_HARD_MATH = re.compile(r"\\[$\\(\[]")  # \( \[ math, or a \$ to step over: the general way
_MATH = re.compile(r"\\[$\\]|\$\$.+?\$\$|\$(?:[^$\\]|\\.)+?\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)

_DASH = re.compile("--").search
_QUOTE = re.compile("''").search

_composed: dict[tuple[str, str], str] = {}


def decode(text: str) -> str:
    """`text` with its LaTeX accents, escapes, dashes, quotes and plain text styles turned
    into Unicode; math and unknown commands are kept as they are."""
    # A one-character test is a memchr; a two-character one costs several times more (less
    # as a regex than with `in`), so it is only made when its first character is there.
    punctuation = (
        ("-" in text and _DASH(text) is not None)
        or ("`" in text and "``" in text)
        or ("'" in text and _QUOTE(text) is not None)
    )
    if "\\" not in text:
        if not punctuation:
            return text
        if "$" not in text:
            return _punctuation(text)
        return _outside_math(text, _DOLLAR_MATH, punctuation)
    if _HARD_MATH.search(text) is not None:
        return _outside_math(text, _MATH, punctuation)
    if "$" in text:
        # Most backslashes of an abstract are in its math: then there is nothing to do.
        if not punctuation and "\\" not in _DOLLAR_MATH.sub("", text):
            return text
        return _outside_math(text, _DOLLAR_MATH, punctuation)
    return _decode_text(text, punctuation)


def _outside_math(text: str, math: re.Pattern, punctuation: bool) -> str:
    """Decode the text between the math spans that `math` finds."""
    parts = []
    pos = 0
    for match in math.finditer(text):
        token = match.group()
        if len(token) == 2:  # \$ or \\ (from _MATH): text, not math
            continue
        start = match.start()
        if start > pos:
            parts.append(_decode_text(text[pos:start], punctuation))
        parts.append(token)
        pos = match.end()
    if pos == 0:
        return _decode_text(text, punctuation)
    if pos < len(text):
        parts.append(_decode_text(text[pos:], punctuation))
    return "".join(parts)


def _decode_text(text: str, punctuation: bool = True) -> str:
    """Decode a piece of text that holds no math. Without `punctuation` there are no dashes
    or quotes to turn (but the escapes decoded here may make some: \\-\\- stays as it is)."""
    if "\\" in text:
        if "{" in text:
            text = _BRACED.sub(_unbrace, text)
        text = _COMMANDS.sub(_command, text)
        while "\\" in text:  # styles, innermost first
            styled = _STYLE.sub(r"\1", text)
            if "{\\" in styled:
                styled = _SWITCH.sub(r"\1", styled)
            if styled == text:
                break
            text = styled
    return _punctuation(text) if punctuation else text


def _punctuation(text: str) -> str:
    if "-" in text and "--" in text:
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    if "`" in text and "``" in text:
        text = text.replace("``", "\u201c")
    if "'" in text and "''" in text:
        text = text.replace("''", "\u201d")
    return text


def _unbrace(match: re.Match) -> str:
    start = match.start()
    if start >= 2 and match.string[start - 2] == "\\" and match.string[start - 1] in _ACCENT_CHARS:
        return match.group()  # \'{\i}: the accent's argument, decoded with the accent
    return _COMMANDS.sub(_command, match.group(1))


def _command(match: re.Match) -> str:
    group = match.lastgroup
    if group == "e":
        return _ESCAPES[match.group("e")]
    if group == "w":
        return _LETTERS[match.group("w")]
    if group == "s":
        return _SYMBOLS[match.group("s")]
    if group in ("sab", "sal"):
        return _accent(match.group("sa"), match.group(group))
    if group in ("lab", "lal"):
        return _accent(match.group("la"), match.group(group))
    return match.group()  # not reached: every alternative ends in a named group


def _accent(command: str, letter: str) -> str:
    key = (command, letter)
    char = _composed.get(key)
    if char is None:
        base = letter[1] if letter[0] == "\\" else letter  # \'\i is í, not a dotless one
        char = unicodedata.normalize("NFC", base + _MARKS[command])
        _composed[key] = char
    return char
