"""Word pairs as the shared dictionaries hold them: one token a side, distinct, sorted, tab-separated."""
import re

#: One word as the shared dictionaries keep it: letters (no digits, no underscore), single hyphens or
#: apostrophes only between them.
SINGLE_TOKEN = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def single_token(word):
    """Whether ``word`` is one token as the shared dictionaries keep it (:data:`SINGLE_TOKEN`)."""
    return bool(word) and SINGLE_TOKEN.fullmatch(word) is not None


def write_pairs(pairs, out):
    """Write ``(left, right)`` pairs to ``out`` as sorted, distinct ``left<TAB>right`` lines (UTF-8, ``\\n``);
    return the number of lines."""
    lines = sorted({f"{left}\t{right}" for left, right in pairs})
    with open(out, "w", encoding="utf-8", newline="\n") as writer:
        for line in lines:
            writer.write(line + "\n")
    return len(lines)
