"""Desk settings: provider profiles as the GUI sees them, and the settings dialog's pages."""
