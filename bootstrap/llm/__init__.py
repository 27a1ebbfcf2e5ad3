"""LLM transfer: tokenizers for a new language, token-embedding initialisation from aligned spaces,
export of the initialised model, and tokenizer fertility."""
