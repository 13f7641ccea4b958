"""Dict- and str-heavy text processing; never touches tasks.

Generates a deterministic pseudo-random text (a linear congruential
generator picks syllables), then builds a word index, bigram counts and a
formatted report, the way log or document processing code does.
--size is the number of words per round; the result checksum is printed so
that a difference between interpreters is visible.
"""
import zlib

import benchlib as bl

SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "so", "ti", "ve", "xa",
             "ble", "cro", "dra", "fle", "gri", "pla", "sta", "tro"]


def words(count, seed):
    """Yield `count` pseudo-random words of one to four syllables."""
    state = seed
    n = len(SYLLABLES)
    for _ in range(count):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        length = 1 + (state >> 16) % 4
        parts = []
        for _ in range(length):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            parts.append(SYLLABLES[(state >> 16) % n])
        yield "".join(parts)


def make_text(count, seed):
    lines, line = [], []
    for i, word in enumerate(words(count, seed)):
        line.append(word.capitalize() if i % 11 == 0 else word)
        if len(line) == 12:
            lines.append(" ".join(line) + ".")
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines)


def analyse(text):
    counts = {}
    positions = {}
    bigrams = {}
    previous = None
    for lineno, line in enumerate(text.splitlines()):
        for col, raw in enumerate(line.split()):
            word = raw.strip(".").lower()
            counts[word] = counts.get(word, 0) + 1
            positions.setdefault(word, []).append((lineno, col))
            if previous is not None:
                key = (previous, word)
                bigrams[key] = bigrams.get(key, 0) + 1
            previous = word
    # Group words by their first syllable-ish prefix.
    groups = {}
    for word, n in counts.items():
        groups.setdefault(word[:2], {})[word] = n
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:200]
    report = ["%-24s %6d  first at %s" % (w, n, positions[w][0])
              for w, n in top]
    common = sorted(bigrams.items(), key=lambda item: (-item[1], item[0]))
    report.extend("%s -> %s: %d" % (a, b, n) for (a, b), n in common[:200])
    report.extend("%s: %s" % (prefix, ",".join(sorted(members)))
                  for prefix, members in sorted(groups.items()))
    return "\n".join(report).replace("ka", "KA")


def main():
    opts = bl.options(__doc__)
    count = opts.size or 40000
    checksum = 0
    t0 = bl.clock()
    for seed in range(1, 6):
        report = analyse(make_text(count, seed))
        checksum = zlib.crc32(report.encode(), checksum)
    seconds = bl.clock() - t0
    bl.result("time", seconds, "s", size=count, checksum="%08x" % checksum)


main()
