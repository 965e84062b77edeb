"""Adapters: one module per outside thing, each the only importer of its library.

Markdown (``markdown_entry``, ``markdown_list``: markdown-it), the YAML entry store and the
list's files (``yaml_store``: pyyaml), the config (``config``), Zotero over HTTP
(``zotero_http``: pyzotero, httpx2), the state file (``state_file``), the API key
(``credentials``: keyring), BibTeX (``bibtex``, ``latex``), the list lock (``lock``) and the
library-version cache (``version_cache``).  See docs/architecture.md.
"""
