"""Fetch public dictionaries, corpora and vectors into a local cache, from their public homes or from a
mirror, converted into the layout of the shared data directory.

* :mod:`.catalogue`: what offramp knows (``data/sources.json``), names, paths, the cache's place;
* :mod:`.cache`: :func:`fetch`, :func:`cached_path` and the sidecar records;
* :mod:`.download`: resumable, checksummed downloads (pooch);
* one converter per upstream format: :mod:`.sword` (Bibles), :mod:`.ud` (treebanks), :mod:`.ted`,
  :mod:`.wikipedia` (dumps), :mod:`.freedict`, :mod:`.wordnet` (OMW, the Irish wordnet),
  :mod:`.apertium`;
* :mod:`.bundle`: everything known for a set of languages, gathered into one directory with a MANIFEST.
"""
from ._errors import ChecksumError, DamagedCacheError, DamagedCacheWarning, FetchError
from .bundle import bundle
from .cache import cache_record, cached_path, fetch, fetch_signature, list_sources
from .catalogue import KNOWN_SOURCES, LANGUAGES, SOURCES_FILE, default_cache_dir, relative_path

__all__ = ["ChecksumError", "DamagedCacheError", "DamagedCacheWarning", "FetchError", "KNOWN_SOURCES", "LANGUAGES",
           "SOURCES_FILE", "bundle", "cache_record", "cached_path", "default_cache_dir", "fetch", "fetch_signature",
           "list_sources", "relative_path"]
