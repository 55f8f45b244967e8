"""See ``cryptography/__init__.py``: only what SecretStorage uses is here."""
