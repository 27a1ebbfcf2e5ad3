"""Reading and writing: embeddings, dictionaries, corpora, aligned outputs and their sidecars, and
atomic writes (a temporary file, then a rename, so a crash leaves no half-written file)."""
