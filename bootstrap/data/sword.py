"""Bible translations from CrossWire's SWORD modules, as ``OSISREF<TAB>verse`` lines.

CrossWire serves each module as a zip (:data:`RAWZIP_URL`) holding ``mods.d/NAME.conf`` and the
module's data files. A catalogue name is ``LANG.MODULE`` (``lv.LvGluck8``, ``en.KJV``): the module's
language and its SWORD name. :func:`build` reads the module with ``pysword``, walks its books,
chapters and verses in the module's versification order, and writes one verse per line
(``Gen.1.1<TAB>In the beginning...``): markup stripped, whitespace collapsed, empty verses skipped.
"""
import functools
import html
import re
import tempfile
import zipfile
from pathlib import Path

from ._errors import FetchError

__all__ = ["RAWZIP_URL", "BIBLE_DRIVERS", "split_name", "urls", "clean_verse", "convert", "build"]

#: Where CrossWire serves a module's zip; ``{module}`` is its SWORD name (``KJV``, ``LvGluck8``).
RAWZIP_URL = "https://crosswire.org/ftpmirror/pub/sword/packages/rawzip/{module}.zip"

#: The ``ModDrv`` values of Bible text modules (commentaries, lexicons and books use others).
BIBLE_DRIVERS = ("rawtext", "rawtext4", "ztext", "ztext4")

# A space goes before tags that end a line or paragraph, which the cleaners drop without one
# (poetry lines ``<l>``, line breaks, paragraphs, milestones; GBF's ``<CL>``/``<CM>``).
_BREAK_TAG = re.compile(r"<\s*/?\s*(?:p|l|lg|lb|br|brp|cb|div|milestone|verse|chapter|item|row|cell|head)\b[^<>]*>"
                        r"|<C[LM]>", re.IGNORECASE)
# Tags the source type's cleaner leaves behind (it removes only the tags it knows).
_TAG = re.compile(r"<[^<>]*>")


def split_name(name):
    """``'lv.LvGluck8'`` -> ``('lv', 'LvGluck8')``; ValueError for a name without both parts."""
    lang, dot, module = str(name).partition(".")
    if not (dot and lang and module):
        raise ValueError(f"{name!r} is not a bible name: expected LANG.MODULE, e.g. 'en.KJV'")
    return lang, module


def urls(name):
    """The upstream URL of catalogue entry ``name`` (``LANG.MODULE``), as a one-item list."""
    return [RAWZIP_URL.format(module=split_name(name)[1])]


def _cleaner(source_type):
    from pysword.cleaner import GBFCleaner, OSISCleaner, ThMLCleaner

    kind = (source_type or "").upper()
    return ThMLCleaner() if kind == "THML" else GBFCleaner() if kind == "GBF" else OSISCleaner()


def clean_verse(text, cleaner=None):
    """One verse's text without markup: tags removed (``cleaner``, a pysword cleaner, first: it also
    drops notes and titles with their content), entities decoded, whitespace collapsed to single
    spaces (no tabs or newlines)."""
    if "<" in text:
        text = _BREAK_TAG.sub(lambda m: " " + m.group(0), text)
        if cleaner is not None:
            text = cleaner.clean(text)
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _find_module(modules, module, what):
    """The conf key of ``module`` in ``modules`` (SWORD names are case-insensitive)."""
    matches = [key for key in modules if key.lower() == module.lower()]
    if not matches:
        found = ", ".join(sorted(modules)) or "none"
        raise FetchError(f"{what} holds no SWORD module {module!r} (modules found: {found}); check the name "
                         "against https://crosswire.org/sword/modules/")
    return matches[0]


def _open_bible(folder, key, conf, what, cipher):
    """A pysword Bible for the module ``key`` unpacked in ``folder``."""
    from pysword.bible import BlockType, CompressType, SwordBible

    driver = conf.get("moddrv", "").lower()
    if driver not in BIBLE_DRIVERS:
        raise FetchError(f"{what}: module {key} is not a Bible text module (ModDrv={conf.get('moddrv', 'missing')}; "
                         f"a Bible has one of {', '.join(BIBLE_DRIVERS)}); choose a Bible module")
    cipher = cipher or conf.get("cipherkey")
    if "cipherkey" in conf and not cipher:
        raise FetchError(f"{what}: module {key} is locked (empty CipherKey=); pass cipher=KEY with the unlock key "
                         "its publisher gives, or choose another module")
    # Built here rather than by SwordModules.get_bible_from_module, which reads the compression from a
    # key no conf file has ("compress_type") and so takes every zText module for zlib.
    try:
        bible = SwordBible(str(Path(folder) / conf.get("datapath", "")), driver,
                           conf.get("versification", "KJV").lower(), (conf.get("encoding") or "").lower() or None,
                           conf.get("sourcetype"), conf.get("blocktype", BlockType.BOOK).upper(),
                           conf.get("compresstype", CompressType.ZIP).upper(), cipher)
    except (OSError, ValueError, KeyError) as exc:
        raise FetchError(f"{what}: module {key} cannot be read by pysword ({exc}); the zip is damaged or the "
                         "module uses a format pysword does not read") from None
    if hasattr(bible, "_decompressed_text"):
        # pysword decompresses a zText block (often a whole book) again for each verse; reading verses
        # in order, the last block or two serve them all (minutes -> seconds for a full Bible)
        bible._decompressed_text = functools.lru_cache(maxsize=2)(bible._decompressed_text)
    return bible


def _verses(bible, cleaner, what, key):
    """Yield ``(osisref, raw_text)`` for every verse of the module's versification, in order."""
    for books in bible.get_structure().get_books().values():
        for book in books:
            for chapter, n_verses in enumerate(book.chapter_lengths, start=1):
                for verse in range(1, n_verses + 1):
                    try:
                        text = next(bible.get_iter(books=book.name, chapters=chapter, verses=verse, clean=False),
                                    "")
                    except (OSError, ValueError, TypeError, EOFError) as exc:
                        raise FetchError(f"{what}: module {key} is damaged at {book.osis_name}.{chapter}.{verse} "
                                         f"({exc}); fetch it again with force=True") from None
                    yield f"{book.osis_name}.{chapter}.{verse}", text


def convert(zip_path, module, out, *, lang=None, cipher=None, source=None, progress=False):
    """Write SWORD module ``module`` from the zip ``zip_path`` to ``out`` as ``OSISREF<TAB>text`` lines.

    Parameters
    ----------
    zip_path : path-like
        A module zip as CrossWire serves it (``mods.d/*.conf`` plus the data files).
    module : str
        The module's SWORD name (case-insensitive).
    out : path-like
        The TSV written (UTF-8, ``\\n`` line ends).
    lang : str, optional
        The language the module should have; a different ``Lang=`` in its conf gives a warning.
    cipher : str, optional
        Unlock key of a locked module (overrides the conf's ``CipherKey=``).
    source : str, optional
        The URL ``zip_path`` came from, for messages.
    progress : bool
        Show a progress bar over the verses.

    Returns
    -------
    dict
        ``lines`` (verses written), ``skipped_empty``, ``module``, ``lang``, ``version``, ``licence``
        (``DistributionLicense=``), ``description``, ``versification``, ``source_type`` and
        ``warnings`` (a list of strings).

    Raises
    ------
    FetchError
        The file is not a zip, holds no such module, or the module is not a readable Bible.
    """
    from pysword.modules import SwordModules

    from .._progress import progress_bar

    what = f"{zip_path}" + (f" (from {source})" if source else "")
    with tempfile.TemporaryDirectory(prefix="offramp-sword-") as folder:
        try:
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(folder)  # extractall keeps member paths inside folder
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FetchError(f"{what} is not a SWORD module zip ({exc}); fetch it again with force=True") from None
        if not (Path(folder) / "mods.d").is_dir():
            raise FetchError(f"{what} is not a SWORD module zip: it has no mods.d/ folder of .conf files")
        modules = SwordModules(folder).parse_modules()
        key = _find_module(modules, module, what)
        conf = modules[key]
        bible = _open_bible(folder, key, conf, what, cipher)
        cleaner = _cleaner(conf.get("sourcetype"))
        total = sum(sum(book.chapter_lengths) for books in bible.get_structure().get_books().values()
                    for book in books)
        lines = skipped = 0
        with open(out, "w", encoding="utf-8", newline="\n") as writer, \
                progress_bar(total=total, desc=f"bible {module}", unit="verse", disable=not progress) as bar:
            for ref, text in _verses(bible, cleaner, what, key):
                bar.update(1)
                text = clean_verse(text, cleaner)
                if not text:
                    skipped += 1
                    continue
                writer.write(f"{ref}\t{text}\n")
                lines += 1
        vars(bible).pop("_decompressed_text", None)  # the cache refers back to bible: let it go
        del bible  # closes the module's files before the folder goes
    if not lines:
        raise FetchError(f"{what}: module {key} has no verse text (all {skipped} verses empty); the module may be "
                         "locked or compressed in a way pysword does not read")
    module_lang = conf.get("lang", "").strip()
    warnings = []
    if not module_lang:
        warnings.append(f"module {key} declares no Lang= in its conf")
    elif lang and module_lang.split("-")[0].lower() != lang.lower():
        warnings.append(f"module {key} declares Lang={module_lang}, not {lang!r} as its catalogue name says")
    return {"lines": lines, "skipped_empty": skipped, "module": key, "lang": module_lang or None,
            "version": conf.get("version"), "licence": conf.get("distributionlicense"),
            "description": conf.get("description"), "versification": conf.get("versification", "KJV"),
            "source_type": conf.get("sourcetype"), "warnings": warnings}


def build(name, out, *, get, progress=False, cipher=None, **options):
    """Write catalogue entry ``name`` (``LANG.MODULE``, e.g. ``'lv.LvGluck8'``) to ``out`` from CrossWire's
    module zip.

    Parameters
    ----------
    name : str
        ``LANG.MODULE``.
    out : path-like
        Where the TSV goes (the caller renames it into place).
    get : callable
        ``get(url, *, known_hash=None) -> Path``, the caller's downloader.
    progress : bool
        Show progress.
    cipher : str, optional
        Unlock key for a locked module.

    Returns
    -------
    dict
        ``upstream`` (the URL) plus what :func:`convert` returns.
    """
    if options:
        raise TypeError(f"the bible builder takes no options {sorted(options)} (it takes cipher=)")
    lang, module = split_name(name)
    url = urls(name)[0]
    path = get(url)
    info = convert(path, module, out, lang=lang, cipher=cipher, source=url, progress=progress)
    return {"upstream": [url], **info}
