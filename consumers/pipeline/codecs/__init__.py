"""JSON-compatible forms of what the worker's tables keep (and so their changelogs)."""
