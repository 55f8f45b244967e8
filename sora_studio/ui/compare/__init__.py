"""Side-by-side compare of two clips: linked playback, A/B flip, prompt and parameter diff."""
