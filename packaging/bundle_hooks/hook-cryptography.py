"""PyInstaller hook for packaging/bundle_shims/cryptography, the Linux bundle's stand-in for the
cryptography package: it is plain Python, so there is nothing to collect. This hook takes the
place of pyinstaller-hooks-contrib's, which would copy the real package's metadata, its Rust
extension and cffi (packaging/sora-studio.spec puts this folder on the hook path on Linux only).
"""
