from __future__ import annotations

from zotsync.cli import main

main()
