"""Wikipedia dumps in constant memory: synthetic pages-articles dumps of growing size converted to text,
each in a process of its own with its wall time and peak resident memory.

``offramp data fetch wikipedia LANG`` converts a Wikimedia ``pages-articles.xml.bz2`` dump with
``wikipedia_to_text``, which streams the bz2 file through ``iterparse`` and parses one page's wikitext
at a time with ``mwparserfromhell``, so its memory should not grow with the dump. This script writes
dumps of the given sizes of uncompressed XML and converts each one in a child process:

    wall_s         the child's wall time (Python's start and the imports included)
    convert_s      ``wikipedia_to_text``'s own time, from which ``mb_per_s`` (MB of XML a second)
    peak_rss_mb    the child's peak resident memory (its ``VmHWM``, read as it ends)
    wait4_rss_mb   the same from ``os.wait4``'s ``ru_maxrss``, which is at least this script's own
                   high-water mark when the child started (Linux keeps the larger one across
                   vfork and exec), so the child's own ``VmHWM`` is the figure reported
    import_rss_mb  the child's resident memory once offramp and mwparserfromhell are imported, before it
                   converts: ``peak_rss_mb`` less this bounds what the conversion itself holds
    pages, paragraphs, tokens   the converter's counts

The dumps are MediaWiki export XML (schema 0.11) of articles written like Wikipedia's: an infobox
template over many lines, a lead with the title in bold, links with and without a pipe, ``<ref>``s
(named, reused, with citation templates), headings, lists, wikitables, files with captions, inline
templates, categories and interlanguage links, and about one page in eight a redirect or a page of
another namespace. The words come from a generated vocabulary of about 40,000 words (with diacritics)
drawn with Zipf frequencies, so the text is not trivially repetitive. The same ``--random-state``
writes the same dumps.

    python benchmarks/wikipedia_stream.py --sizes 20,80 --json benchmarks/out/wikipedia_stream.json

MB are 2**20 bytes throughout. The dumps live in ``--workdir`` and are reused while their settings
match. The last line printed compares the peak memory of the largest dump with the smallest's (about
1x in constant memory) against the ratio of their sizes.
"""
import argparse
import bz2
import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
MB = 2 ** 20
VERSION = 1  # of the generator: a dump made by another version is made again
N_WORDS = 40_000

_ONSETS = ["", "b", "d", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "š", "č", "ž", "j", "st", "pr",
           "kr", "tr", "sl", "dz", "ķ", "ļ", "ņ"]
_VOWELS = ["a", "e", "i", "o", "u", "ā", "ē", "ī", "ū", "ie", "ai", "au"]
_CODAS = ["", "", "", "s", "t", "n", "r", "l", "m", "k", "š"]
_HEADINGS = ["History", "Geography", "Economy", "Culture", "Population", "Transport", "Education", "Sport",
             "Politics", "Climate", "Architecture", "Notable people", "Etymology", "Legacy", "Works", "Career"]
_INFOBOXES = ["Infobox settlement", "Infobox person", "Infobox river", "Infobox company", "Infobox film",
              "Infobox building", "Infobox album", "Infobox football club"]
_FIELDS = ["name", "native_name", "image", "caption", "country", "region", "founded", "population", "area_km2",
           "elevation_m", "leader_name", "website", "birth_date", "birth_place", "occupation", "genre",
           "label", "length", "source", "mouth", "owner", "architect", "style", "coordinates"]
_LANGS = ["de", "en", "fr", "lt", "et", "ru", "pl", "fi", "sv", "es"]
_NAMESPACES = {-2: "Media", -1: "Special", 1: "Diskusija", 2: "Dalībnieks", 4: "Vikipēdija", 6: "Attēls",
               10: "Veidne", 14: "Kategorija"}
SITEINFO = ("  <siteinfo>\n    <sitename>Vikipēdija</sitename>\n    <dbname>lvwiki</dbname>\n"
            "    <base>https://lv.wikipedia.org/wiki/S%C4%81kumlapa</base>\n"
            "    <generator>MediaWiki 1.43.0-wmf.8</generator>\n    <case>first-letter</case>\n    <namespaces>\n"
            "      <namespace key=\"0\" case=\"first-letter\" />\n"
            + "".join(f"      <namespace key=\"{k}\" case=\"first-letter\">{v}</namespace>\n"
                      for k, v in sorted(_NAMESPACES.items()))
            + "    </namespaces>\n  </siteinfo>\n")
HEADER = ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ '
          'http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="lv">\n')
FOOTER = "</mediawiki>\n"


# --- the generator ---------------------------------------------------------------------------------------------

class Wikitext:
    """Random articles in wikitext from one random state.

    Parameters
    ----------
    random_state : int
    """

    def __init__(self, random_state):
        self.rng = random.Random(random_state)
        words = set()
        while len(words) < N_WORDS:
            n = self.rng.choice((1, 2, 2, 2, 3, 3, 3, 4))
            words.add("".join(self.rng.choice(_ONSETS) + self.rng.choice(_VOWELS) + self.rng.choice(_CODAS)
                              for _ in range(n)))
        # the short words are the frequent ones, as in a language
        self.words = sorted((w for w in words if len(w) > 1), key=lambda w: (len(w), w))
        self.cum = []
        total = 0.0
        for rank in range(len(self.words)):
            total += 1.0 / (rank + 2.7)
            self.cum.append(total)
        self.refs = 0

    def draw(self, k):
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)

    def name(self, k=None):
        """A capitalised name of one to three words (a title, a link target)."""
        return " ".join(w.capitalize() for w in self.draw(k or self.rng.choice((1, 1, 2, 2, 3))))

    def _decorate(self, word):
        rng = self.rng
        kind = rng.random()
        if kind < 0.35:
            return f"[[{word}]]"
        if kind < 0.65:
            return f"[[{self.name()}|{word}]]"
        if kind < 0.72:
            return f"'''{word}'''"
        if kind < 0.82:
            return f"''{word} {self.draw(1)[0]}''"
        if kind < 0.88:
            return str(rng.randint(1200, 2024))
        if kind < 0.92:
            return f"{{{{convert|{rng.randint(2, 900)}|km|mi}}}} {word}"
        if kind < 0.95:
            return f"{word}&nbsp;{rng.randint(2, 99)}"
        if kind < 0.98:
            return f"[https://www.{self.draw(1)[0]}.example.org/{rng.randint(1, 9999)} {word} {self.draw(1)[0]}]"
        return f"{word}<!-- {' '.join(self.draw(3))} -->"

    def _ref(self):
        rng = self.rng
        self.refs += 1
        kind = rng.random()
        if kind < 0.25 and self.refs > 1:
            return f'<ref name="r{rng.randint(1, self.refs - 1)}" />'
        if kind < 0.7:
            site = self.draw(1)[0]
            return (f'<ref name="r{self.refs}">{{{{cite web |url=https://{site}.example.org/{rng.randint(1, 99999)} '
                    f'|title={self.name(3)} |publisher={self.name()} |date={rng.randint(1995, 2024)}-'
                    f'{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} |access-date=2024-05-01}}}}</ref>')
        return f"<ref>[https://{self.draw(1)[0]}.example.org {self.name(2)}], {rng.randint(1, 400)}. lpp.</ref>"

    def sentence(self):
        rng = self.rng
        words = self.draw(rng.randint(6, 22))
        for i in rng.sample(range(len(words)), min(len(words), rng.choice((0, 1, 1, 2, 2, 3)))):
            words[i] = self._decorate(words[i])
        text = " ".join(words)
        if rng.random() < 0.15:
            text += ", " + " ".join(self.draw(rng.randint(3, 8)))
        text = text[0].upper() + text[1:] + "."
        if rng.random() < 0.2:
            text += self._ref()
        return text

    def paragraph(self, lo=2, hi=7):
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def infobox(self, title):
        rng = self.rng
        lines = [f"{{{{{rng.choice(_INFOBOXES)}"]
        for field in rng.sample(_FIELDS, rng.randint(5, 14)):
            value = {"name": title, "image": f"{title.replace(' ', '_')}_{rng.randint(1, 9)}.jpg",
                     "website": f"{{{{URL|www.{self.draw(1)[0]}.example.org}}}}",
                     "population": f"{rng.randint(100, 900000):,}",
                     "coordinates": f"{{{{coord|{rng.randint(40, 70)}|{rng.randint(0, 59)}|N|{rng.randint(0, 40)}|"
                                    f"{rng.randint(0, 59)}|E|display=inline,title}}}}"}.get(field)
            if value is None:
                value = rng.choice((f"[[{self.name()}]]", " ".join(self.draw(rng.randint(1, 4))),
                                    f"{rng.randint(1, 2024)}", f"[[{self.name()}|{self.draw(1)[0]}]], {self.name()}"))
            lines.append(f"| {field} = {value}")
        lines.append("}}")
        return "\n".join(lines)

    def table(self):
        rng = self.rng
        cols = rng.randint(2, 5)
        lines = ['{| class="wikitable sortable"', f"|+ {' '.join(self.draw(3))}",
                 "! " + " !! ".join(self.name(1) for _ in range(cols))]
        for _ in range(rng.randint(2, 8)):
            cells = [rng.choice((str(rng.randint(1, 99999)), f"[[{self.name()}]]", " ".join(self.draw(2))))
                     for _ in range(cols)]
            lines += ["|-", "| " + " || ".join(cells)]
        lines.append("|}")
        return "\n".join(lines)

    def listing(self):
        rng = self.rng
        mark = rng.choice(("*", "*", "#", "**"))
        return "\n".join(f"{mark if i else mark[0]} {self.sentence() if rng.random() < 0.6 else self.name(3)}"
                         for i in range(rng.randint(2, 7)))

    def figure(self):
        space = self.rng.choice(("File", "Attēls", "Image"))
        return (f"[[{space}:{self.name(2).replace(' ', '_')}.jpg|thumb|{self.rng.choice(('left', 'right', '220px'))}|"
                f"{self.sentence()}]]")

    def article(self, title):
        """The wikitext of one article named ``title``."""
        rng = self.rng
        self.refs = 0
        parts = [self.infobox(title)] if rng.random() < 0.7 else []
        lead = self.paragraph(1, 4)
        parts.append(f"'''{title}''' ({{{{lang-{rng.choice(_LANGS)}|''{self.name()}''}}}}) {lead[0].lower()}"
                     f"{lead[1:]}")
        parts += [self.paragraph() for _ in range(rng.randint(0, 2))]
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 5, 6, 8))):
            level = "==" if rng.random() < 0.75 else "==="
            parts.append(f"{level} {rng.choice(_HEADINGS)} {level}")
            for _ in range(rng.randint(1, 4)):
                kind = rng.random()
                if kind < 0.12:
                    parts.append(self.figure())
                elif kind < 0.22:
                    parts.append(self.listing())
                elif kind < 0.3:
                    parts.append(self.table())
                parts.append(self.paragraph())
        parts += ["== Atsauces ==", "{{Atsauces}}", "== Ārējās saites ==",
                  f"* [https://www.{self.draw(1)[0]}.example.org {self.name(2)}]",
                  f"{{{{Navbox {self.name(1)}}}}}"]
        parts += [f"[[{rng.choice(('Kategorija', 'Category'))}:{self.name(2)}]]" for _ in range(rng.randint(1, 4))]
        parts += [f"[[{lang}:{title}]]" for lang in rng.sample(_LANGS, rng.randint(0, 4))]
        return "\n\n".join(parts) + "\n"

    def page(self, page_id):
        """``(title, ns, redirect target or None, wikitext)`` of page ``page_id``: mostly articles."""
        rng = self.rng
        title = self.name()
        kind = rng.random()
        if kind < 0.09:
            target = self.name()
            return title, 0, target, f"#REDIRECT [[{target}]]"
        if kind < 0.11:
            return f"Veidne:{title}", 10, None, "<includeonly>{{{1|}}}</includeonly>\n" + self.table()
        if kind < 0.13:
            return f"Kategorija:{title}", 14, None, self.paragraph(1, 2) + f"\n[[Kategorija:{self.name()}]]"
        return title, 0, None, self.article(title)


def page_xml(page_id, title, ns, redirect, text):
    """One ``<page>`` of a pages-articles export."""
    sha1 = hashlib.sha1(text.encode("utf-8")).hexdigest()
    redirect_line = f"    <redirect title={quoteattr(redirect)} />\n" if redirect else ""
    return (f"  <page>\n    <title>{escape(title)}</title>\n    <ns>{ns}</ns>\n    <id>{page_id}</id>\n{redirect_line}"
            f"    <revision>\n      <id>{10 * page_id}</id>\n      <parentid>{10 * page_id - 3}</parentid>\n"
            "      <timestamp>2024-05-20T10:11:12Z</timestamp>\n"
            "      <contributor>\n        <username>Redaktors</username>\n        <id>42</id>\n      </contributor>\n"
            f"      <comment>labojums</comment>\n      <origin>{10 * page_id}</origin>\n"
            "      <model>wikitext</model>\n      <format>text/x-wiki</format>\n"
            f"      <text bytes=\"{len(text.encode('utf-8'))}\" sha1=\"{sha1}\" xml:space=\"preserve\">"
            f"{escape(text)}</text>\n      <sha1>{sha1}</sha1>\n    </revision>\n  </page>\n")


def make_dump(workdir, mb, random_state):
    """The bz2 dump of at least ``mb`` MB of XML and its settings: made once, reused while they match.

    Returns
    -------
    path : Path
    settings : dict
        ``mb``, ``random_state``, ``version``, ``xml_bytes``, ``bz2_bytes``, ``pages`` (every page,
        redirects and other namespaces included), ``generate_s``.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    name = f"pages-articles-{mb:g}mb-r{random_state}"
    path, stamp = workdir / f"{name}.xml.bz2", workdir / f"{name}.json"
    wanted = {"mb": mb, "random_state": random_state, "version": VERSION}
    if stamp.exists() and path.exists():
        settings = json.loads(stamp.read_text(encoding="utf-8"))
        if {k: settings.get(k) for k in wanted} == wanted and settings.get("bz2_bytes") == path.stat().st_size:
            return path, settings
    start = time.perf_counter()
    gen = Wikitext(random_state)
    target = int(mb * MB)
    tmp = path.with_name(path.name + ".tmp")
    written, page_id = 0, 0
    with bz2.open(tmp, "wb", compresslevel=9) as handle:
        for chunk in (HEADER, SITEINFO):
            written += handle.write(chunk.encode("utf-8"))
        while written < target:
            page_id += 1
            written += handle.write(page_xml(page_id, *gen.page(page_id)).encode("utf-8"))
        written += handle.write(FOOTER.encode("utf-8"))
    os.replace(tmp, path)
    settings = {**wanted, "xml_bytes": written, "bz2_bytes": path.stat().st_size, "pages": page_id,
                "generate_s": round(time.perf_counter() - start, 1)}
    stamp.write_text(json.dumps(settings) + "\n", encoding="utf-8")
    return path, settings


# --- the conversion, in its own process ------------------------------------------------------------------------

_CONVERT = """
import json, os, sys, time
import mwparserfromhell
from offramp.bootstrap.data.wikipedia import wikipedia_to_text
with open("/proc/self/statm") as statm:  # resident pages now, once everything is imported
    imported = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
start = time.perf_counter()
counts = wikipedia_to_text(sys.argv[1], sys.argv[2])
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:  # this process's own high-water mark since it started
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps({"convert_s": seconds, "import_rss_mb": imported, "peak_rss_mb": peak, "counts": counts}))
"""


def convert(path, workdir):
    """Convert the dump at ``path`` in a child process; its times, peak RSS (from wait4) and counts."""
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    with tempfile.TemporaryDirectory(dir=workdir) as folder, tempfile.TemporaryFile() as stdout, \
            tempfile.TemporaryFile() as stderr:
        out = Path(folder) / "wikipedia.txt"
        command = [sys.executable, "-c", _CONVERT, str(path), str(out)]
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        printed, errors = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
        if child.returncode != 0:
            raise RuntimeError(f"converting {path} failed (exit {child.returncode}):\n{errors[-3000:]}")
        text_bytes = out.stat().st_size
    result = json.loads(printed.strip().splitlines()[-1])
    return {"wall_s": wall, "wait4_rss_mb": usage.ru_maxrss / 1024, "text_bytes": text_bytes, **result}


def run(path, settings, workdir):
    """One record: the dump's sizes, the conversion's times, memory and counts."""
    done = convert(path, workdir)
    counts = done["counts"]
    xml_mb = settings["xml_bytes"] / MB
    return {"mb": settings["mb"], "xml_mb": round(xml_mb, 2), "bz2_mb": round(settings["bz2_bytes"] / MB, 2),
            "pages": counts["pages"], "paragraphs": counts["paragraphs"], "tokens": counts["tokens"],
            "skipped_redirects": counts["skipped_redirects"],
            "skipped_other_namespaces": counts["skipped_other_namespaces"], "failed_pages": counts["failed_pages"],
            "text_mb": round(done["text_bytes"] / MB, 2), "wall_s": round(done["wall_s"], 2),
            "convert_s": round(done["convert_s"], 2), "mb_per_s": round(xml_mb / done["convert_s"], 3),
            "peak_rss_mb": round(done["peak_rss_mb"], 1), "import_rss_mb": round(done["import_rss_mb"], 1),
            "wait4_rss_mb": round(done["wait4_rss_mb"], 1)}


def ratios(runs):
    """``(rss_ratio, size_ratio)`` of the largest dump's run against the smallest's, or None for one run."""
    if len(runs) < 2:
        return None
    small, large = min(runs, key=lambda r: r["xml_mb"]), max(runs, key=lambda r: r["xml_mb"])
    return large["peak_rss_mb"] / small["peak_rss_mb"], large["xml_mb"] / small["xml_mb"]


def _save(path, data):
    tmp = f"{path}.tmp"
    Path(tmp).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _sizes(text):
    sizes = [float(s) for s in text.split(",") if s.strip()]
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: expected positive sizes in MB, comma-separated (e.g. 20,80)")
    return sorted({int(s) if s == int(s) else s for s in sizes})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=_sizes, default=_sizes("20,80"),
                   help="MB (2**20 bytes) of uncompressed XML per dump, comma-separated (default 20,80)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_cache" / "wikipedia"),
                   help="where the dumps are written and kept for the next run")
    p.add_argument("--json", help="write the records here")
    args = p.parse_args(argv)

    invoked = "python benchmarks/wikipedia_stream.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    data = {"runs": [], "command": invoked.strip(), "random_state": args.random_state,
            "machine": f"{len(os.sched_getaffinity(0))} CPU cores, "
                       f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"}
    for mb in args.sizes:
        start = time.perf_counter()
        path, settings = make_dump(args.workdir, mb, args.random_state)
        print(f"{mb:g} MB: {path} ({settings['bz2_bytes'] / MB:.1f} MB bz2, {settings['pages']:,} pages) ready in "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr)
        record = run(path, settings, args.workdir)
        print(json.dumps(record), flush=True)
        data["runs"].append(record)
        if args.json:
            _save(args.json, data)  # after every run: a long run's first sizes survive a stop
    found = ratios(data["runs"])
    if found:
        small, large = min(data["runs"], key=lambda r: r["xml_mb"]), max(data["runs"], key=lambda r: r["xml_mb"])
        print(f"peak RSS {found[0]:.2f}x ({small['peak_rss_mb']:.0f} -> {large['peak_rss_mb']:.0f} MB) for "
              f"{found[1]:.1f}x the XML ({small['xml_mb']:g} -> {large['xml_mb']:g} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
