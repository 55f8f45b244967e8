"""Drop unwanted files from a PyInstaller analysis, and the shared libraries only they needed.

PyInstaller's Qt hooks collect whole plugin folders (every platform, every image format, the GTK
theme, the virtual keyboard) and then every library those plugins link against. Removing a plugin
from the table of contents afterwards leaves its libraries behind (the GTK theme alone brings
pango, cairo and gdk-pixbuf). :func:`prune` removes the matching entries and then every shared
library reachable only from them, following ELF ``DT_NEEDED`` links; a library something kept
still needs, or that nothing links to (found by other means, such as ctypes), stays.

Used by ``sora-studio.spec`` at build time; plain Python, so the tests run it without PyInstaller.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

# A table-of-contents entry: (destination name in the bundle, source path, type code).
Entry = tuple[str, str, str]

_DT_NEEDED = 1
_SHT_DYNAMIC = 6


def elf_needed(path: str | Path) -> list[str] | None:
    """The ``DT_NEEDED`` sonames of an ELF file, or None when it is not a readable ELF file."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    is64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    try:
        if is64:
            shoff, shentsize, shnum = (
                struct.unpack_from(endian + "Q", data, 0x28)[0],
                *struct.unpack_from(endian + "HH", data, 0x3A),
            )
        else:
            shoff, shentsize, shnum = (
                struct.unpack_from(endian + "I", data, 0x20)[0],
                *struct.unpack_from(endian + "HH", data, 0x2E),
            )
        sections = []
        for index in range(shnum):
            base = shoff + index * shentsize
            if is64:
                _, sh_type, _, _, offset, size, link, _, _, entsize = struct.unpack_from(
                    endian + "IIQQQQIIQQ", data, base
                )
            else:
                _, sh_type, _, _, offset, size, link, _, _, entsize = struct.unpack_from(
                    endian + "IIIIIIIIII", data, base
                )
            sections.append((sh_type, offset, size, link, entsize))
        needed: list[str] = []
        for sh_type, offset, size, link, entsize in sections:
            if sh_type != _SHT_DYNAMIC or not entsize:
                continue
            str_offset = sections[link][1]
            pair = endian + ("qQ" if is64 else "iI")
            for pos in range(offset, offset + size, entsize):
                tag, value = struct.unpack_from(pair, data, pos)
                if tag == 0:
                    break
                if tag == _DT_NEEDED:
                    end = data.index(b"\0", str_offset + value)
                    needed.append(data[str_offset + value : end].decode("utf-8", "replace"))
        return needed
    except (struct.error, IndexError, ValueError):
        return None


def _name(dest: str) -> str:
    return PurePosixPath(dest.replace("\\", "/")).name


def prune(
    binaries: Iterable[Entry], datas: Iterable[Entry], drop_patterns: Iterable[str]
) -> tuple[list[Entry], list[Entry], list[str]]:
    """Remove entries whose destination matches a pattern, then the libraries only they needed.

    A matching library is removed even when kept files link against it: that is how a library the
    target system must provide (libstdc++) is left out. Returns the new binaries and datas and the
    destinations removed. Symbolic links that pointed at a removed library go too, so the bundle
    holds no dangling link.
    """
    drop = re.compile("|".join(f"(?:{p})" for p in drop_patterns))
    binaries = list(binaries)
    datas = list(datas)

    def matches(entry: Entry) -> bool:
        return bool(drop.search(entry[0].replace("\\", "/")))

    # Which entry provides each soname: the file name in the bundle is the soname for Qt, for
    # PyInstaller's collected system libraries and for wheel-vendored (auditwheel) libraries.
    by_name: dict[str, list[Entry]] = {}
    for entry in binaries:
        by_name.setdefault(_name(entry[0]), []).append(entry)
    needed_cache: dict[str, list[str]] = {}

    def needed(entry: Entry) -> list[str]:
        if entry[1] not in needed_cache:
            needed_cache[entry[1]] = elf_needed(entry[1]) or []
        return needed_cache[entry[1]]

    def closure(roots: Iterable[Entry], blocked: set[Entry]) -> set[Entry]:
        seen: set[Entry] = set()
        stack = [e for e in roots if e not in blocked]
        while stack:
            entry = stack.pop()
            if entry in seen:
                continue
            seen.add(entry)
            for soname in needed(entry):
                stack.extend(e for e in by_name.get(soname, ()) if e not in blocked)
        return seen

    # A matching entry goes even when kept files link to it (a system library the target
    # provides); what it alone needed goes with it.
    dropped = {e for e in binaries if matches(e)}
    reachable_from_dropped = closure(dropped, set())
    kept_roots = [e for e in binaries if e not in reachable_from_dropped]
    still_needed = closure(kept_roots, dropped)
    removed = dropped | {e for e in reachable_from_dropped if e not in still_needed}

    new_binaries = [e for e in binaries if e not in removed]
    removed_dests = {e[0].replace("\\", "/") for e in removed}
    new_datas = []
    for entry in datas:
        dest = entry[0].replace("\\", "/")
        if matches(entry):
            removed_dests.add(dest)
            continue
        if entry[2] == "SYMLINK":
            target = str(PurePosixPath(dest).parent / entry[1].replace("\\", "/"))
            if _normalise(target) in removed_dests:
                removed_dests.add(dest)
                continue
        new_datas.append(entry)
    return new_binaries, new_datas, sorted(removed_dests)


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)
