"""The sync layer: three-way sync of a list's desired library with a remote library, pure.

The remote snapshot (``remote``), the base (``state``), the typed actions a plan is made of
(``actions``), the decision rule (``merge``), the planner (``plan``), the engine that executes
a plan through the ports (``engine``, ``ports``), the changes a sync makes to the list
(``list_changes``) and an in-memory library (``memory``).  Nothing here does I/O: the
adapters implement the ports.  See docs/architecture.md.
"""
