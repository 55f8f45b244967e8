"""The clip player (QtMultimedia) and its timeline with note markers."""
