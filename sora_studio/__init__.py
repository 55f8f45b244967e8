"""Sora Studio: a desktop review desk for AI-generated video on /v1/videos-compatible providers."""

__version__ = "0.1.0"
