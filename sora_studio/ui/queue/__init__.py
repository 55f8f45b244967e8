"""The render queue panel's pieces: table model, progress delegate, filter proxy, actions."""
