"""Building lexicons: seed dictionaries from identical strings, numerals, cognates and verse-aligned
corpora, pivot dictionaries through a third language, and frequency-matched train/test splits."""
