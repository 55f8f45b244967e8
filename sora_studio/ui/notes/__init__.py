"""Time-pinned review notes and the versions (lineage) stack of a clip."""
