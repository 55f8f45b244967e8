"""The pure domain: dataclasses, enums, catalog, pricing, validation and policies (stdlib only)."""
