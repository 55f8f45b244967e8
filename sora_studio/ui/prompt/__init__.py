"""The prompt builder's pieces: brief form, reference drop zone, characters, cost, pre-flight."""
