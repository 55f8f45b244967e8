"""packaging/bundle_shims/cryptography, the Linux bundle's stand-in for the cryptography package:
AES-CBC equal to the real package's and NIST's, and keyring's Secret Service backend storing and
reading a key through it (against packaging/smoke/secret_service.py on a private session bus).

The stand-in is imported in child processes, where it comes first on the path, so it never meets
the real package this process compares it with.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROOT = Path(__file__).resolve().parents[2]
SHIMS = ROOT / "packaging" / "bundle_shims"
SECRET_SERVICE = ROOT / "packaging" / "smoke" / "secret_service.py"

# NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt
NIST_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
NIST_IV = "000102030405060708090a0b0c0d0e0f"
NIST_PLAIN = (
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
NIST_CIPHER = (
    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the stand-in is for the Linux bundle"
)


def _with_shim(program: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``program`` in a child Python whose ``cryptography`` is the stand-in."""
    prelude = f"import sys\nsys.path.insert(0, {str(SHIMS)!r})\n"
    run = subprocess.run(
        [sys.executable, "-c", prelude + program, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_child_gets_the_stand_in() -> None:
    out = _with_shim("import cryptography; print(cryptography.__file__, cryptography.__version__)")
    assert out.startswith(str(SHIMS)) and "sora-studio-bundle" in out


def test_aes_cbc_matches_nist() -> None:
    program = """
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
key, iv, plain = (bytes.fromhex(a) for a in sys.argv[1:4])
encryptor = Cipher(algorithms.AES(key), modes.CBC(iv), default_backend()).encryptor()
sealed = encryptor.update(plain[:20]) + encryptor.update(plain[20:]) + encryptor.finalize()
decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
assert decryptor.update(sealed) + decryptor.finalize() == plain
print(sealed.hex())
"""
    assert _with_shim(program, NIST_KEY, NIST_IV, NIST_PLAIN).strip() == NIST_CIPHER


def test_aes_cbc_matches_the_real_package_for_every_key_size() -> None:
    cases = []
    for size in (16, 24, 32):
        key, iv, plain = os.urandom(size), os.urandom(16), os.urandom(96)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        sealed = encryptor.update(plain) + encryptor.finalize()
        cases.append([key.hex(), iv.hex(), plain.hex(), sealed.hex()])
    program = """
import json
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
for key, iv, plain, sealed in json.loads(sys.argv[1]):
    key, iv, plain, sealed = map(bytes.fromhex, (key, iv, plain, sealed))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    assert encryptor.update(plain) + encryptor.finalize() == sealed
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    pieces = [decryptor.update(sealed[i : i + 7]) for i in range(0, 96, 7)]
    assert b"".join(pieces) + decryptor.finalize() == plain
print("same")
"""
    assert _with_shim(program, json.dumps(cases)).strip() == "same"


def test_misuse_fails_as_the_real_package_does() -> None:
    program = """
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
def fails(call):
    try:
        call()
    except ValueError as exc:
        return str(exc)
    raise AssertionError("no error")
print(fails(lambda: algorithms.AES(b"short")))
print(fails(lambda: Cipher(algorithms.AES(bytes(16)), modes.CBC(bytes(8)))))
encryptor = Cipher(algorithms.AES(bytes(16)), modes.CBC(bytes(16))).encryptor()
encryptor.update(b"not a whole block")
print(fails(encryptor.finalize))
print(fails(lambda: encryptor.update(b"more")))
"""
    lines = _with_shim(program).splitlines()
    assert "key size" in lines[0] and "IV size" in lines[1]
    assert "multiple of the block length" in lines[2]
    assert "finalized" in lines[3]


def test_what_the_stand_in_lacks_is_an_import_error() -> None:
    # fpdf2 imports these optionally (PDF encryption, signing) and copes with ImportError.
    program = """
for name in ("cryptography.hazmat.primitives.padding", "cryptography.x509"):
    try:
        __import__(name)
    except ImportError:
        print("missing", name)
try:
    from cryptography.hazmat.primitives.ciphers.algorithms import AES128
except ImportError:
    print("missing AES128")
"""
    assert _with_shim(program).split("\n")[:3] == [
        "missing cryptography.hazmat.primitives.padding",
        "missing cryptography.x509",
        "missing AES128",
    ]


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """A private session bus with the smoke test's stand-in Secret Service on it."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("needs dbus-daemon (Debian: dbus-daemon)")
    started = subprocess.run(
        [daemon, "--session", "--fork", "--nopidfile", "--print-address=1", "--print-pid=1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    address, pid = started.stdout.split()[:2]
    env = {
        **os.environ,
        "DBUS_SESSION_BUS_ADDRESS": address,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    store, ready = tmp_path / "secrets.json", tmp_path / "ready"
    service = subprocess.Popen(
        [sys.executable, str(SECRET_SERVICE), "--store", str(store), "--ready", str(ready)],
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while not ready.exists() and service.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the stand-in Secret Service did not start"
        yield env, store
    finally:
        service.terminate()
        service.wait(timeout=10)
        os.kill(int(pid), 15)


def test_keyring_stores_and_reads_a_key_through_the_stand_in(
    secret_service: tuple[dict[str, str], Path],
) -> None:
    env, store = secret_service
    program = """
import cryptography, keyring
from keyring.backends import SecretService
assert "bundle_shims" in cryptography.__file__, cryptography.__file__
assert isinstance(keyring.get_keyring(), SecretService.Keyring), keyring.get_keyring()
keyring.set_password("sora-studio", "shim-test", sys.argv[1])
print(keyring.get_password("sora-studio", "shim-test"))
"""
    key = "sk-shim-" + os.urandom(9).hex()
    assert _with_shim(program, key, env=env).strip() == key
    # the service decrypted what the stand-in encrypted (with the real package) to the same key
    (item,) = json.loads(store.read_text())
    assert item["secret"] == key
    assert item["attributes"]["service"] == "sora-studio"
