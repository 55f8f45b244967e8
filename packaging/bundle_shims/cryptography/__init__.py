"""A stand-in for the ``cryptography`` package inside the Linux desktop bundle: AES-CBC only.

The bundle's only user of cryptography is SecretStorage, keyring's Secret Service backend (the
GNOME keyring, KWallet, KeePassXC), which needs nothing of it but AES-128-CBC without padding to
encrypt a key on its way over D-Bus (``dh-ietf1024-sha256-aes128-cbc-pkcs7``; SecretStorage does
the Diffie-Hellman exchange, the key derivation and the padding itself). The real package is 14 MB
with a second, static copy of OpenSSL; this one binds the same cipher from the OpenSSL library the
bundle already carries for Python's ``ssl`` and ``hashlib``. packaging/sora-studio.spec puts it in
place of the real one; the smoke test stores and reads a key through it, and
tests/packaging/test_crypto_shim.py checks it against the real package and NIST's test vectors.

Anything else imported from it is missing (an ImportError), as it would be without the package:
fpdf2's optional PDF encryption and signing then report themselves unavailable, which the desk
never asks for.
"""

__version__ = "0+sora-studio-bundle"
