"""Python identifiers for node names. A node name is any string: quotes, newlines,
keywords, dunder names, unicode. Generated code uses it only in two forms, both safe:
as an identifier built from its ASCII letters, digits and underscores (so it can never
be code), and as a string literal written by `repr`."""

from __future__ import annotations

import builtins
import keyword
import re

_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")


class Names:
    """Hands out distinct identifiers, none of them a keyword, a builtin or `reserved`."""

    def __init__(self, reserved: set[str]):
        self.taken = set(reserved) | set(dir(builtins))

    def new(self, name: str) -> str:
        base = re.sub("_+", "_", _NOT_WORD.sub("_", name)).strip("_") or "node"
        if base[0].isdigit():
            base = "n" + base
        if keyword.iskeyword(base) or keyword.issoftkeyword(base) or base.startswith("__"):
            base += "_"
        candidate, count = base, 1
        while candidate in self.taken:
            count += 1
            candidate = f"{base}_{count}"
        self.taken.add(candidate)
        return candidate


def comment(text: str) -> str:
    """A comment that stays on its line whatever `text` holds (``ascii`` escapes newlines)."""
    return "# " + ascii(text)[1:-1]
