"""See ``cryptography/__init__.py``: ``Cipher(AES(key), CBC(iv))`` on Python's own OpenSSL.

The contexts work like the real package's with AES-CBC: no padding (the data must be whole
16-byte blocks by ``finalize``), ``update`` may be called any number of times.
"""

from __future__ import annotations

import ctypes
import ctypes.util

from . import algorithms, modes

__all__ = ["Cipher", "algorithms", "modes"]


def _openssl() -> ctypes.CDLL:
    """The libcrypto Python's hashlib uses: looking symbols up through the ``_hashlib`` extension
    searches the libraries it links, so this is exactly the OpenSSL the bundle carries."""
    try:
        import _hashlib

        library = ctypes.CDLL(_hashlib.__file__)
        library.EVP_CIPHER_CTX_new  # noqa: B018 (raises AttributeError when not found)
    except (ImportError, AttributeError, OSError, TypeError):
        name = ctypes.util.find_library("crypto")
        if name is None:
            raise ImportError("no OpenSSL libcrypto for AES-CBC") from None
        library = ctypes.CDLL(name)
    void_p, char_p, int_p = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)
    for name, restype, argtypes in [
        ("EVP_CIPHER_CTX_new", void_p, []),
        ("EVP_CIPHER_CTX_free", None, [void_p]),
        ("EVP_aes_128_cbc", void_p, []),
        ("EVP_aes_192_cbc", void_p, []),
        ("EVP_aes_256_cbc", void_p, []),
        ("EVP_CipherInit_ex", ctypes.c_int, [void_p, void_p, void_p, char_p, char_p, ctypes.c_int]),
        ("EVP_CIPHER_CTX_set_padding", ctypes.c_int, [void_p, ctypes.c_int]),
        ("EVP_CipherUpdate", ctypes.c_int, [void_p, char_p, int_p, char_p, ctypes.c_int]),
        ("EVP_CipherFinal_ex", ctypes.c_int, [void_p, char_p, int_p]),
    ]:
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes
    return library


_lib = _openssl()
_CIPHERS = {16: _lib.EVP_aes_128_cbc, 24: _lib.EVP_aes_192_cbc, 32: _lib.EVP_aes_256_cbc}


class Cipher:
    def __init__(self, algorithm: algorithms.AES, mode: modes.CBC, backend: object = None) -> None:
        if not isinstance(algorithm, algorithms.AES) or not isinstance(mode, modes.CBC):
            raise TypeError("this bundle's cryptography stand-in does AES-CBC only")
        if len(mode.initialization_vector) != 16:
            raise ValueError(f"Invalid IV size ({len(mode.initialization_vector)}) for CBC.")
        self.algorithm = algorithm
        self.mode = mode

    def encryptor(self) -> _CipherContext:
        return _CipherContext(self, encrypt=True)

    def decryptor(self) -> _CipherContext:
        return _CipherContext(self, encrypt=False)


class _CipherContext:
    def __init__(self, cipher: Cipher, encrypt: bool) -> None:
        self._ctx: int | None = _lib.EVP_CIPHER_CTX_new()
        if not self._ctx:
            raise MemoryError("EVP_CIPHER_CTX_new failed")
        key = cipher.algorithm.key
        iv = cipher.mode.initialization_vector
        if not _lib.EVP_CipherInit_ex(self._ctx, _CIPHERS[len(key)](), None, key, iv, encrypt):
            self._free()
            raise ValueError("EVP_CipherInit_ex failed")
        _lib.EVP_CIPHER_CTX_set_padding(self._ctx, 0)

    def update(self, data: bytes) -> bytes:
        if self._ctx is None:
            raise ValueError("Context was already finalized.")
        data = bytes(data)
        out = ctypes.create_string_buffer(len(data) + 16)
        written = ctypes.c_int(0)
        if not _lib.EVP_CipherUpdate(self._ctx, out, ctypes.byref(written), data, len(data)):
            raise ValueError("EVP_CipherUpdate failed")
        return out.raw[: written.value]

    def finalize(self) -> bytes:
        if self._ctx is None:
            raise ValueError("Context was already finalized.")
        out = ctypes.create_string_buffer(16)
        written = ctypes.c_int(0)
        try:
            if not _lib.EVP_CipherFinal_ex(self._ctx, out, ctypes.byref(written)):
                raise ValueError(
                    "The length of the provided data is not a multiple of the block length."
                )
            return out.raw[: written.value]
        finally:
            self._free()

    def _free(self) -> None:
        if self._ctx is not None:
            _lib.EVP_CIPHER_CTX_free(self._ctx)
            self._ctx = None

    def __del__(self) -> None:
        self._free()
