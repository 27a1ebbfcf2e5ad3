"""The package's shape: one import name with a lazy public API, no import cycle, layers that import only
downwards, private modules kept private, and modules of a readable size.

The import graph is read from each module's source with :mod:`ast` (every ``import`` and ``from ...
import`` statement, those inside functions included), so a cycle hidden behind a lazy import counts
too.
"""
import ast
import importlib
import pkgutil
import sys

import pytest

import offramp

LAYERS = ("offramp.alignment", "offramp.bootstrap", "offramp.cli")
#: What each layer may not import (a module, or any module under it).
FORBIDDEN = {
    "offramp.alignment": ("offramp.bootstrap", "offramp.cli", "click", "gensim", "torch", "transformers",
                          "tokenizers"),
    "offramp.bootstrap": ("offramp.cli",),
}
#: Lines above which a module's opening (its first 30 lines) must say why it is longer.
MAX_LINES = 600


def _modules():
    """``{name: path}`` of every module of the three layers (packages by their ``__init__``)."""
    found = {}
    for layer in LAYERS:
        package = importlib.import_module(layer)
        found[layer] = package.__file__
        for info in pkgutil.walk_packages(package.__path__, prefix=layer + "."):
            spec = info.module_finder.find_spec(info.name, None)
            found[info.name] = spec.origin
    return found


MODULES = _modules()


def _is_package(name):
    return MODULES.get(name, "").endswith("__init__.py")


def _resolve(module, level, target):
    """The absolute name of ``from {'.' * level}{target} import ...`` inside ``module``."""
    if level == 0:
        return target
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _imports(name):
    """Every module that ``name``'s source imports, as absolute names: ``from pkg import sub`` where
    ``pkg.sub`` is a module counts as an import of ``pkg.sub``."""
    with open(MODULES[name], encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=MODULES[name])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, node.level, node.module)
            submodules = {f"{target}.{alias.name}" for alias in node.names} & set(MODULES)
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined by the package (its __init__) itself
                found.add(target)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _find_cycle(graph):
    """One import cycle among ``graph``'s own modules, as a list of names (first == last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in graph or other == node:
                continue
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state:
                cycle = visit(other)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def _under(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def test_the_walk_finds_every_layer_and_resolves_relative_imports():
    """Guards for the graph the tests below read."""
    assert {"offramp.alignment.selflearning", "offramp.bootstrap.align", "offramp.cli.main",
            "offramp.bootstrap.io.outputs", "offramp.bootstrap.evaluation.induce"} <= set(MODULES)
    assert _resolve("offramp.bootstrap.evaluation.induce", 3, "alignment.candidates") == \
        "offramp.alignment.candidates"
    assert _resolve("offramp.bootstrap.io", 1, "atomic") == "offramp.bootstrap.io.atomic"  # a package's own level
    assert _resolve("offramp.bootstrap.align", 1, None) == "offramp.bootstrap"
    assert "offramp.alignment.candidates" in GRAPH["offramp.bootstrap.evaluation.induce"]
    # 'from . import _cuda' imports the submodule, not its package's __init__
    assert "offramp.alignment._cuda" in GRAPH["offramp.alignment.mapping"]
    assert "offramp.alignment" not in GRAPH["offramp.alignment.mapping"]
    assert _owner("offramp.alignment._backend") == "offramp.alignment"
    assert _owner("offramp.bootstrap.io._files") == "offramp.bootstrap.io" and _owner("offramp.cli.main") is None
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "x"}, "b": set()}) is None


def test_import_offramp_exposes_the_version_and_a_lazy_public_api():
    assert isinstance(offramp.__version__, str) and offramp.__version__.count(".") >= 1
    assert "__version__" in offramp.__all__ and set(offramp.__all__) <= set(dir(offramp))
    with pytest.raises(AttributeError, match="module 'offramp' has no attribute 'nothing_here'"):
        offramp.nothing_here  # noqa: B018


@pytest.mark.parametrize("name", [n for n in offramp.__all__ if n != "__version__"])
def test_every_public_name_resolves(name):
    value = getattr(offramp, name)
    assert value is not None and getattr(offramp, name) is value  # cached after the first lookup


def test_import_offramp_is_light():
    """``import offramp`` loads none of its subpackages until a public name is used."""
    code = "import sys, offramp; print(sorted(m for m in sys.modules if m.startswith('offramp.')))"
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['offramp._version']"


def test_no_import_cycle():
    cycle = _find_cycle({name: {m for m in GRAPH[name] if m in GRAPH} for name in GRAPH})
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_only_downwards(layer):
    bad = sorted(f"{name} imports {target}" for name in MODULES if _under(name, layer)
                 for target in GRAPH[name] for forbidden in FORBIDDEN[layer] if _under(target, forbidden))
    assert bad == []


def _owner(name):
    """The package whose private module ``name`` is (``offramp.alignment`` for
    ``offramp.alignment._backend``), or None for a public module."""
    parts = name.split(".")
    private = [i for i, part in enumerate(parts) if part.startswith("_") and not part.startswith("__")]
    return ".".join(parts[:private[0]]) if private else None


def test_private_modules_are_imported_only_inside_their_package():
    """``offramp.cli`` may use ``offramp.alignment`` (its ``__init__``), not ``offramp.alignment._backend``."""
    bad = sorted(f"{name} imports {target}" for name in MODULES for target in GRAPH[name]
                 if _under(target, "offramp") and _owner(target) and not _under(name, _owner(target)))
    assert bad == []


def test_modules_are_short_or_say_why_not():
    long = {}
    for name, path in MODULES.items():
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        opening = " ".join(lines[:30]).lower()
        if len(lines) > MAX_LINES and "longer" not in opening and "lines" not in opening:
            long[name] = len(lines)
    assert long == {}, f"modules over {MAX_LINES} lines without a reason in their first 30 lines: {long}"
