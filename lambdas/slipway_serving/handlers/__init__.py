"""Lambda entry points, one module per event source; each is thin."""
