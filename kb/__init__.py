"""The knowledge-base domain: articles, revisions, review workflow, search. Imports no Flask."""
