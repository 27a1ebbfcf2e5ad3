"""The plan of ``offramp multi`` (:mod:`offramp.bootstrap.plan`): reading, the checks before any training,
pivot routes, the shared-string check of seeds, and vocabularies counted without training."""
import re

import pytest

from offramp.bootstrap.errors import InputsError
from offramp.bootstrap.plan import (MIN_SHARED_STRINGS, LanguageSpec, PlanError, align_options, check_seeds,
                                    pivot_route, plan_vocabularies, read_plan, resolve_corpora, resolve_verses)

# The hub's table comes last, to show that the Plan puts it first.
GOOD = """\
random_state = 3
device = "cpu"
pairs = ["de-fi", "fi-de", "et-en"]

[train]
dim = 50
epochs = 2

[align]
csls_k = 5
identical_rank_ratio = 10.0

[joint]
max_iter = 3

[languages.de]
corpora = ["corpora/de.txt"]
seed = "dictionary"
dictionary = "dicts/en-de.txt"

[languages.fi]
vectors = "vectors/fi.vec"
seed = "dictionary+identical"
dictionary = "dicts/fi-en.txt"
reverse = true

[languages.et]
corpora = ["corpora/et.txt"]
seed = "pivot"
pivot = "fi"
dictionary = "dicts/fi-et.txt"

[languages.lv]
corpora = ["corpora/bible/lv.*.tsv"]
seed = "verses"

[languages.sl]
corpora = ["ud:Slovenian-SSJ"]
seed = "unsupervised"

[languages.en]
corpora = ["corpora/en.txt", "corpora/bible/en.*.tsv"]

[gold]
"de-fi" = "gold/de-fi.txt"
"""

FILES = {
    "corpora/de.txt": "der Hund und die Katze\n" * 3,
    "corpora/et.txt": "koer ja kass\n" * 3,
    "corpora/en.txt": "the dog and the cat\nthe bird\n" * 3,
    "corpora/bible/en.KJV.tsv": "Gen.1.1\tIn the beginning\nGen.1.2\tAnd the earth\n",
    "corpora/bible/en.BBE.tsv": "Gen.1.1\tAt the first\n",
    "corpora/bible/lv.Latvian.tsv": "Gen.1.1\tIesākumā\n",
    "corpora/lv.txt": "suns un kaķis\n",
    "vectors/fi.vec": "3 2\nkoira 0.1 0.2\nja 0.3 0.4\nkissa 0.5 0.6\n",
    "dicts/en-de.txt": "dog\tHund\n",
    "dicts/fi-en.txt": "koira\tdog\n",
    "dicts/fi-et.txt": "koira\tkoer\n",
    "gold/de-fi.txt": "Hund\tkoira\n",
}


def write_plan(root, text=GOOD, name="plan.toml"):
    """The plan ``text`` and every file it names, under ``root``."""
    for rel, content in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content, encoding="utf-8")
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(*changes):
    """GOOD with each ``(old, new)`` replaced (``old`` must occur)."""
    text = GOOD
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_good_plan(tmp_path):
    plan = read_plan(write_plan(tmp_path))
    assert plan.path == tmp_path / "plan.toml" and plan.hub == "en"
    assert list(plan.languages) == ["en", "de", "fi", "et", "lv", "sl"] and plan.others() == list(plan.languages)[1:]
    assert plan.languages["en"] == LanguageSpec(
        code="en", corpora=("corpora/en.txt", "corpora/bible/en.*.tsv"), vectors=None, seed=None, dictionary=None,
        reverse=False, pivot=None, verses=())
    assert plan.languages["fi"] == LanguageSpec(
        code="fi", corpora=(), vectors=tmp_path / "vectors/fi.vec", seed="dictionary+identical",
        dictionary=tmp_path / "dicts/fi-en.txt", reverse=True, pivot=None, verses=())
    et, sl = plan.languages["et"], plan.languages["sl"]
    assert (et.seed, et.pivot, et.dictionary) == ("pivot", "fi", tmp_path / "dicts/fi-et.txt")
    assert (sl.seed, sl.corpora, plan.languages["lv"].seed) == ("unsupervised", ("ud:Slovenian-SSJ",), "verses")
    assert (plan.out, plan.cache, plan.mirror) == (tmp_path / "plan-out", tmp_path / "plan-out" / "cache", None)
    assert (plan.random_state, plan.device) == (3, "cpu")
    assert plan.pairs == (("de", "fi"), ("fi", "de"), ("et", "en"))
    assert plan.gold == {("de", "fi"): tmp_path / "gold/de-fi.txt"}
    assert plan.train == {"dim": 50, "epochs": 2} and plan.joint == {"max_iter": 3}
    assert plan.align == {"csls_k": 5, "identical_rank_ratio": 10.0}
    assert plan.joint_enabled and plan.add == ()


def test_defaults(tmp_path):
    text = "[languages.en]\ncorpora = ['a.txt']\n[languages.de]\ncorpora = ['b.txt']\n[gold]\nde-en = 'g.txt'\n" \
           "[joint]\nenabled = false\n"
    for name in ("a.txt", "b.txt", "g.txt"):
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    plan = read_plan(tmp_path / "p.toml", add=["de"])
    assert plan.hub == "en" and plan.languages["de"].seed == "identical+numerals"
    assert plan.pairs == (("de", "en"), ("en", "de"))  # every gold pair, both directions
    assert (plan.out, plan.random_state, plan.device) == (tmp_path / "p-out", 0, "cpu")
    assert plan.joint == {} and not plan.joint_enabled and plan.add == ("de",)
    assert align_options(plan, "de") == {"seed": "identical+numerals"}


def test_relative_paths_resolve_against_the_plan_folder(tmp_path, monkeypatch):
    write_plan(tmp_path / "data", text="")
    text = GOOD.replace('"corpora/', '"../data/corpora/').replace('"dicts/', '"../data/dicts/') \
        .replace('"vectors/', '"../data/vectors/').replace('"gold/', '"../data/gold/')
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "multi.toml").write_text('out = "runs/x"\ncache = "/abs/cache"\nmirror = "../data"\n' + text,
                                                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    plan = read_plan("plans/multi.toml")
    plans = tmp_path / "plans"
    assert plan.path == plans / "multi.toml" and plan.out == plans / "runs/x"
    assert plan.cache.as_posix() == "/abs/cache" and plan.mirror == plans / "../data"
    assert plan.languages["de"].dictionary == plans / "../data/dicts/en-de.txt"
    assert sorted(p.name for p in resolve_corpora(plan, "en")) == ["en.BBE.tsv", "en.KJV.tsv", "en.txt"]
    # the command's options are relative to the working directory, and cache follows --out unless the plan sets it
    plan = read_plan("plans/multi.toml", out="elsewhere", mirror="data")
    assert (plan.out, plan.mirror) == (tmp_path / "elsewhere", tmp_path / "data")
    assert read_plan(write_plan(tmp_path / "data"), out="o").cache == tmp_path / "o" / "cache"


def test_resolve_corpora_and_verses(tmp_path, cache, mirror):
    plan = read_plan(write_plan(tmp_path), mirror=mirror)
    assert resolve_corpora(plan, "en") == [tmp_path / "corpora/en.txt", tmp_path / "corpora/bible/en.BBE.tsv",
                                           tmp_path / "corpora/bible/en.KJV.tsv"]  # each glob sorted
    assert resolve_corpora(plan, "fi") == []  # vectors
    assert resolve_verses(plan, "en") == resolve_corpora(plan, "en")[1:]
    assert resolve_verses(plan, "lv") == [tmp_path / "corpora/bible/lv.Latvian.tsv"]
    (tmp_path / "corpora/de.txt").unlink()
    with pytest.raises(PlanError, match=r"plan\.toml:\d+: languages\.de\.corpora: 'corpora/de\.txt' no such file"):
        resolve_corpora(plan, "de")
    # the mirror holds corpora/ud/Finnish-TDT.txt only
    (mirror / "corpora" / "ud" / "Slovenian-SSJ.txt").write_text("dober dan\n", encoding="utf-8")
    path, = resolve_corpora(plan, "sl")
    assert path.is_relative_to(cache) and path.read_text(encoding="utf-8") == "dober dan\n"
    plan = read_plan(write_plan(tmp_path, GOOD.replace("Slovenian-SSJ", "Slovenian-SST")), mirror=mirror)
    with pytest.raises(PlanError, match="languages.sl.corpora: could not fetch 'ud:Slovenian-SST'.*mirror"):
        resolve_corpora(plan, "sl")


# Each bad plan: the changes to GOOD, then what the message must say (the key, the problem and the fix).
BAD = [
    ("toml", [('device = "cpu"', "device = cpu")], r"plan\.toml:2: not valid TOML.*line 2, column 10.*quotes"),
    ("top key", [("random_state = 3", "randm_state = 3")], r"plan\.toml:1: randm_state: unknown key.*'random_state'"),
    ("language key", [('seed = "unsupervised"', 'sed = "unsupervised"')],
     r"languages\.sl\.sed: unknown key 'sed'; did you mean 'seed'"),
    ("code", [("[languages.sl]", "[languages.sx]")], r"languages\.sx: 'sx' is not an ISO 639-1.*write e\.g\."),
    ("code 639-3 form", [("[languages.sl]", "[languages.Slv]")], r"languages\.Slv: 'Slv' is not an ISO 639-1 \(two "
     r"letters\) or ISO 639-3 \(three lowercase letters\) code; did you mean slv\?"),
    ("code upper", [("[languages.sl]", "[languages.SL]")], r"languages\.SL: 'SL' is not .*did you mean sl\?"),
    ("hub absent", [("random_state = 3", 'hub = "ru"\nrandom_state = 3')], r"hub: the hub 'ru' is not a plan "
     r"language; add \[languages\.ru\], or set hub to one of: de, fi"),
    ("hub default absent", [("[languages.en]", "[languages.es]")], r"the hub 'en' \(default\) is not a plan language"),
    ("neither", [('corpora = ["corpora/de.txt"]\n', "")], r"languages\.de: de has neither corpora and vectors; give "
     "exactly one"),
    ("both", [('corpora = ["corpora/de.txt"]', 'corpora = ["corpora/de.txt"]\nvectors = "vectors/fi.vec"')],
     r"languages\.de: de has both corpora and vectors"),
    ("corpora type", [('corpora = ["corpora/de.txt"]', "corpora = [1]")],
     r"languages\.de\.corpora: expected a list of strings, got \[1\]"),
    ("vectors missing", [("vectors/fi.vec", "vectors/no.vec")], r"languages\.fi\.vectors: no such file: .*no\.vec; "
     "relative paths are relative to the plan's folder"),
    ("dictionary missing", [("dicts/en-de.txt", "dicts/en-xx.txt")], r"languages\.de\.dictionary: no such file"),
    ("gold missing", [("gold/de-fi.txt", "gold/none.txt")], r"gold\.de-fi: no such file"),
    ("glob empty", [("corpora/bible/en.*.tsv", "corpora/bible/xx.*.tsv")],
     r"languages\.en\.corpora: 'corpora/bible/xx\.\*\.tsv' matches no file"),
    ("folder", [('"corpora/de.txt"', '"corpora"')], r"languages\.de\.corpora: 'corpora' names folders only.*"
     r"folder/\*\.txt"),
    ("data kind", [("ud:Slovenian-SSJ", "udx:Slovenian-SSJ")], r"languages\.sl\.corpora: .*unknown data kind 'udx'"),
    ("data name", [("ud:Slovenian-SSJ", "ud:Slovenian-SJJ")], r"languages\.sl\.corpora: 'ud:Slovenian-SJJ' is not a "
     r"known data name; did you mean Slovenian-SSJ.*offramp data list"),
    ("seed unknown", [('seed = "unsupervised"', 'seed = "parallel"')], r"languages\.sl\.seed: unknown seed "
     r"'parallel'; seeds: .*\"verses\""),
    ("seed on hub", [('corpora = ["corpora/en.txt", ', 'seed = "dictionary"\ncorpora = ["corpora/en.txt", ')],
     r"languages\.en\.seed: the hub en has no seed.*drop it"),
    ("needs dictionary", [('dictionary = "dicts/en-de.txt"\n', "")], r"languages\.de\.seed: seed = \"dictionary\" "
     r"needs a dictionary; add dictionary = \"FILE\" \(the hub en's word first, de's second"),
    ("pivot needs dictionary", [('dictionary = "dicts/fi-et.txt"\n', "")], r"languages\.et\.seed: .*the pivot fi's "
     "word first"),
    ("dictionary unused", [('seed = "dictionary"\n', 'seed = "identical"\n')], r"languages\.de\.dictionary: seed = "
     r"\"identical\" does not use a dictionary.*or drop dictionary"),
    ("reverse alone", [('seed = "unsupervised"', 'seed = "unsupervised"\nreverse = true')],
     r"languages\.sl\.reverse: reverse turns a dictionary around"),
    ("pivot without seed", [('seed = "unsupervised"', 'seed = "unsupervised"\npivot = "fi"')],
     r"languages\.sl\.pivot: a pivot needs seed = \"pivot\""),
    ("seed without pivot", [('pivot = "fi"\n', "")], r"languages\.et\.seed: seed = \"pivot\" needs a pivot"),
    ("pivot unknown", [('pivot = "fi"', 'pivot = "ru"')], r"languages\.et\.pivot: the pivot 'ru' is not a plan "
     r"language; add \[languages\.ru\]"),
    ("pivot itself", [('pivot = "fi"', 'pivot = "et"')], r"languages\.et\.pivot: et cannot be its own pivot"),
    ("pivot hub", [('pivot = "fi"', 'pivot = "en"')], r"languages\.et\.pivot: the pivot is the hub en.*use seed = "
     r"\"dictionary\""),
    ("pivot cycle", [('seed = "dictionary+identical"', 'seed = "pivot"\npivot = "et"')],
     r"languages\.fi\.pivot: the pivots go round in a cycle: fi -> et -> fi; give one of them a dictionary"),
    ("pivot no route", [('seed = "dictionary+identical"\ndictionary = "dicts/fi-en.txt"\nreverse = true\n', "")],
     r"languages\.et\.pivot: the route et -> fi never reaches the hub en: fi links to it by seed = "
     r"\"identical\+numerals\".*give fi a dictionary"),
    ("verses none", [('corpora = ["corpora/bible/lv.*.tsv"]', 'corpora = ["corpora/lv.txt"]')],
     r"languages\.lv\.verses: lv has no verse files.*add verses = \[\"corpora/bible/lv\.\*\.tsv\"\]"),
    ("hub verses none", [('"corpora/en.txt", "corpora/bible/en.*.tsv"', '"corpora/en.txt"')],
     r"languages\.en\.verses: en has no verse files, which seed = \"verses\" of lv needs"),
    ("verses not verses", [('seed = "verses"', 'seed = "verses"\nverses = ["corpora/lv.txt"]')],
     r"languages\.lv\.verses: .*lv\.txt does not start with ID<TAB>text lines"),
    ("verses unused", [('seed = "unsupervised"', 'seed = "unsupervised"\nverses = ["corpora/lv.txt"]')],
     r"languages\.sl\.verses: verses are read only with seed = \"verses\""),
    ("gold language", [('"de-fi" = ', '"de-ru" = ')], r"gold\.de-ru: ru in 'de-ru' is not a plan language"),
    ("gold itself", [('"de-fi" = ', '"de-de" = ')], r"gold\.de-de: 'de-de' pairs de with itself"),
    ("pairs language", [('"et-en"', '"et-ru"')], r"pairs: ru in 'et-ru' is not a plan language"),
    ("pairs form", [('"et-en"', '"et_en"')], r"pairs: expected \"a-b\""),
    ("pairs twice", [('"et-en"', '"de-fi"')], r"pairs: de-fi listed twice; list each pair once"),
    ("train key", [("dim = 50", "dimm = 50")], r"train\.dimm: unknown key 'dimm'; did you mean 'dim'\? valid keys: "
     "model, dim"),
    ("train random_state", [("dim = 50", "random_state = 1")], r"train\.random_state: .*set random_state at the top"),
    ("align key", [("csls_k = 5", "csls = 5")], r"align\.csls: unknown key 'csls'; did you mean 'csls_k'"),
    ("align seed", [("csls_k = 5", 'seed = "identical"')], r"align\.seed: .*set seed in each \[languages\.XX\]"),
    ("align check_options", [("csls_k = 5", 'preset = "fast"')], r"plan\.toml:9: align: for .*preset must be one of"),
    ("align part unused", [('seed = "dictionary+identical"', 'seed = "dictionary"')],
     r"align\.identical_rank_ratio: identical_rank_ratio sets the 'identical' seed, and no language's seed has"),
    ("joint key", [("max_iter = 3", "max_iters = 3")], r"joint\.max_iters: unknown key.*did you mean 'max_iter'"),
    ("joint enabled", [("max_iter = 3", 'enabled = "no"')], r"joint\.enabled: expected a boolean"),
    ("device", [('device = "cpu"', 'device = "gpu"')], r"device: expected one of \('cpu', 'cuda', 'auto'\)"),
    ("random_state", [("random_state = 3", "random_state = true")], r"random_state: expected an integer, got True"),
    ("out file", [("random_state = 3", 'random_state = 3\nout = "corpora/de.txt"')],
     r"out: .*de\.txt is not a folder"),
    ("mirror", [("random_state = 3", 'random_state = 3\nmirror = "nowhere"')], r"mirror: .*nowhere is not a folder; "
     "give a folder laid out like shared/data"),
]


@pytest.mark.parametrize("changes, match", [pytest.param(c, m, id=i) for i, c, m in BAD])
def test_bad_plans(tmp_path, changes, match):
    path = write_plan(tmp_path, edit(*changes))
    with pytest.raises(PlanError, match=match) as info:
        read_plan(path)
    assert str(info.value).startswith(str(path)) and isinstance(info.value, InputsError)


def test_error_points_at_the_line(tmp_path):
    text = edit(('seed = "unsupervised"', 'sed = "unsupervised"'))
    path = write_plan(tmp_path, text)
    with pytest.raises(PlanError) as info:
        read_plan(path)
    line = text.splitlines().index('sed = "unsupervised"') + 1
    assert (info.value.line, info.value.key) == (line, "languages.sl.sed")
    assert str(info.value).startswith(f"{path}:{line}: languages.sl.sed: ")


def test_add_and_missing_plan(tmp_path):
    path = write_plan(tmp_path)
    assert read_plan(path, add=("lv",)).add == ("lv",)
    with pytest.raises(PlanError, match=r"--add: 'ru' is not a plan language"):
        read_plan(path, add=("ru",))
    with pytest.raises(PlanError, match=r"--add: 'en' is the hub"):
        read_plan(path, add="en")
    with pytest.raises(PlanError, match="cannot read the plan"):
        read_plan(tmp_path / "absent.toml")
    (tmp_path / "one.toml").write_text("[languages.en]\ncorpora = ['plan.toml']\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"one\.toml:1: languages: a plan needs the hub and at least one other"):
        read_plan(tmp_path / "one.toml")


def test_plan_error_pickles():
    import pickle

    error = pickle.loads(pickle.dumps(PlanError("p.toml", "hub", 3, "bad", "fix it")))
    assert (str(error), error.line) == ("p.toml:3: hub: bad; fix it", 3)


def test_pivot_route(tmp_path):
    text = GOOD + '[languages.lt]\ncorpora = ["corpora/et.txt"]\nseed = "pivot"\npivot = "et"\n' \
                  'dictionary = "dicts/fi-et.txt"\n'
    plan = read_plan(write_plan(tmp_path, text))
    assert pivot_route(plan, "et") == ["et", "fi", "en"]
    assert pivot_route(plan, "lt") == ["lt", "et", "fi", "en"]
    assert pivot_route(plan, "de") == ["de", "en"] and pivot_route(plan, "sl") == ["sl", "en"]
    assert pivot_route(plan, "en") == ["en"]
    with pytest.raises(ValueError, match="'ru' is not a plan language"):
        pivot_route(plan, "ru")
    assert align_options(plan, "lt") == {"seed": "dictionary", "csls_k": 5}  # identical_rank_ratio: not its seed
    assert align_options(plan, "fi") == {"seed": "dictionary+identical", "csls_k": 5, "identical_rank_ratio": 10.0}
    assert align_options(plan, "lv")["seed"] == "parallel"


LATIN = [f"word{i}" for i in range(100)]
GREEK = [f"λέξη{i}" for i in range(100)]
STRINGS_PLAN = """\
[languages.en]
corpora = ["a.txt"]
[languages.de]
corpora = ["a.txt"]
[languages.el]
corpora = ["a.txt"]
seed = "{el_seed}"
"""


@pytest.mark.parametrize("el_seed, el_words, el_count", [
    ("unsupervised", GREEK, 0),                       # no string seed: counted, never refused
    ("identical+numerals", LATIN[:MIN_SHARED_STRINGS] + GREEK, MIN_SHARED_STRINGS),  # just enough
    ("identical+numerals", LATIN[:MIN_SHARED_STRINGS - 1] + GREEK, None),
    ("cognates", GREEK + ["1", "2"], None),
    ("numerals", GREEK + [str(i) for i in range(25)], 25),  # the numerals that the hub has
])
def test_check_seeds(tmp_path, el_seed, el_words, el_count):
    (tmp_path / "a.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(STRINGS_PLAN.format(el_seed=el_seed), encoding="utf-8")
    plan = read_plan(tmp_path / "p.toml")
    vocabularies = {"en": LATIN + [str(i) for i in range(30)], "de": LATIN[::-1], "el": el_words}
    if el_count is None:
        match = (r"p\.toml:7: languages\.el\.seed: a seed of strings alone needs at least 20 strings shared with the "
                 rf"hub en; el \(seed '{re.escape(el_seed)}'\) shares \d+; give el a dictionary.*seed = \"verses\""
                 r".*pivot.*unsupervised")
        with pytest.raises(PlanError, match=match):
            check_seeds(plan, vocabularies)
        return
    assert check_seeds(plan, vocabularies) == {"de": 100, "el": el_count}
    with pytest.raises(ValueError, match="no words for el"):
        check_seeds(plan, {"en": LATIN, "de": LATIN})


def test_plan_vocabularies(tmp_path):
    write_plan(tmp_path)
    (tmp_path / "p.toml").write_text('[languages.en]\ncorpora = ["corpora/en.txt"]\n[languages.fi]\nvectors = '
                                     '"vectors/fi.vec"\n[languages.de]\ncorpora = ["corpora/de.txt"]\n'
                                     '[train]\nmin_count = 4\n', encoding="utf-8")
    plan = read_plan(tmp_path / "p.toml")
    # en.txt holds "the dog and the cat / the bird" three times: 'the' 9 times, the others 3 (below min_count 4)
    assert plan_vocabularies(plan) == {"en": ["the"], "fi": ["koira", "ja", "kissa"], "de": []}
    plan = read_plan(write_plan(tmp_path, re.sub(r"min_count = \d", "min_count = 1", (tmp_path / "p.toml").read_text()),
                                name="p.toml"))
    vocabularies = plan_vocabularies(plan, max_words=3)
    assert vocabularies["en"][0] == "the" and len(vocabularies["en"]) == 3
    assert vocabularies["de"] == ["der", "hund", "und"] and vocabularies["fi"] == ["koira", "ja", "kissa"]
