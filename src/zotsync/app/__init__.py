"""Use cases: what a command does, as functions the CLI calls with typed options.

Each takes parsed options and returns a report the CLI prints; none parses options or
prints.  See docs/architecture.md.
"""
