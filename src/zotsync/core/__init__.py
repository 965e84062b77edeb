"""The core: what a reading list is, with no I/O and only the standard library.

Entries and sections (``entries``), the list document that keeps every line of the README
(``document``), the mapping to Zotero fields (``mapping``), citation keys (``citekeys``),
the lint (``check``), assembling a list from parsed Markdown (``assemble``), following
renamed sections (``resection``) and the text escapes (``escape``).  See
docs/architecture.md.
"""
