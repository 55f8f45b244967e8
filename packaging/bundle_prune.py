"""Make a PyInstaller analysis smaller: drop unused files, stub unused libraries, strip the rest.

PyInstaller's Qt hooks collect whole plugin folders (every platform, every image format, the GTK
theme, the virtual keyboard) and then every library those plugins link against. Removing a plugin
from the table of contents afterwards leaves its libraries behind (the GTK theme alone brings
pango, cairo and gdk-pixbuf). :func:`prune` removes the matching entries and then every shared
library reachable only from them, following ELF ``DT_NEEDED`` links; a library something kept
still needs, or that nothing links to (found by other means, such as ctypes), stays.

:func:`stub_libraries` replaces a library that kept files link to but never call (PyAV's FFmpeg
links encoders the app never runs) by a tiny stand-in with the same name, and
:func:`strip_binaries` strips the symbol tables and debug sections a debugger alone reads.

Used by ``sora-studio.spec`` at build time; plain Python (with ``cc`` and ``strip`` for those
two), so the tests run it without PyInstaller.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# A table-of-contents entry: (destination name in the bundle, source path, type code).
Entry = tuple[str, str, str]

_DT_NEEDED = 1
_PT_LOAD = 1
_PAGE = 4096
_SHT_SYMTAB = 2
_SHT_DYNAMIC = 6
_SHT_DYNSYM = 11
_SHT_GNU_VERNEED = 0x6FFFFFFE
_SHN_UNDEF = 0
_STB_GLOBAL, _STB_WEAK = 1, 2
_SYMBOL_TYPES = {0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 6: "TLS", 10: "IFUNC"}


@dataclass(frozen=True)
class ElfInfo:
    """What the dynamic linker sees of an ELF file: its dependencies and its dynamic symbols."""

    needed: list[str]
    # exported symbols (global or weak, defined here) and their types: FUNC, OBJECT, TLS, ...
    defined: dict[str, str] = field(default_factory=dict)
    # symbols this file takes from its dependencies
    undefined: set[str] = field(default_factory=set)
    # the files this file needs a symbol version from (the version needs, by file name)
    versioned_from: set[str] = field(default_factory=set)


def _elf_bytes(path: str | Path) -> tuple[bytes, bool, str] | None:
    """An ELF file's bytes, whether it is 64-bit, and its ``struct`` byte order; None when it
    cannot be read or is no ELF file."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    return data, data[4] == 2, "<" if data[5] == 1 else ">"


def _section_table(data: bytes, is64: bool, endian: str) -> tuple[int, int, int, int]:
    """Where an ELF file's section headers start, each one's size, how many there are, and the
    index of the section-name table (raises ``struct.error`` on a truncated header)."""
    if is64:
        shoff = struct.unpack_from(endian + "Q", data, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", data, 0x3A)
    else:
        shoff = struct.unpack_from(endian + "I", data, 0x20)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", data, 0x2E)
    return shoff, shentsize, shnum, shstrndx


def read_elf(path: str | Path) -> ElfInfo | None:
    """The dependencies and dynamic symbols of an ELF file, or None when it is no readable ELF."""
    opened = _elf_bytes(path)
    if opened is None:
        return None
    data, is64, endian = opened

    def string(table_offset: int, offset: int) -> str:
        end = data.index(b"\0", table_offset + offset)
        return data[table_offset + offset : end].decode("utf-8", "replace")

    try:
        shoff, shentsize, shnum, _ = _section_table(data, is64, endian)
        sections = []
        for index in range(shnum):
            base = shoff + index * shentsize
            if is64:
                _, sh_type, _, _, offset, size, link, info, _, entsize = struct.unpack_from(
                    endian + "IIQQQQIIQQ", data, base
                )
            else:
                _, sh_type, _, _, offset, size, link, info, _, entsize = struct.unpack_from(
                    endian + "IIIIIIIIII", data, base
                )
            sections.append((sh_type, offset, size, link, info, entsize))
        elf = ElfInfo(needed=[])
        for sh_type, offset, size, link, info, entsize in sections:
            strings = sections[link][1]
            if sh_type == _SHT_DYNAMIC and entsize:
                pair = endian + ("qQ" if is64 else "iI")
                for pos in range(offset, offset + size, entsize):
                    tag, value = struct.unpack_from(pair, data, pos)
                    if tag == 0:
                        break
                    if tag == _DT_NEEDED:
                        elf.needed.append(string(strings, value))
            elif sh_type == _SHT_DYNSYM and entsize:
                for pos in range(offset + entsize, offset + size, entsize):  # entry 0 is null
                    if is64:
                        name, st_info, _, shndx = struct.unpack_from(endian + "IBBH", data, pos)
                    else:
                        name, st_info, _, shndx = struct.unpack_from(endian + "I8xBBH", data, pos)
                    symbol = string(strings, name)
                    if not symbol or st_info >> 4 not in (_STB_GLOBAL, _STB_WEAK):
                        continue
                    if shndx == _SHN_UNDEF:
                        elf.undefined.add(symbol)
                    else:
                        elf.defined[symbol] = _SYMBOL_TYPES.get(st_info & 0xF, "OTHER")
            elif sh_type == _SHT_GNU_VERNEED:
                pos = offset
                for _ in range(info):  # sh_info: the number of Elf_Verneed entries
                    _, _, vn_file, _, vn_next = struct.unpack_from(endian + "HHIII", data, pos)
                    elf.versioned_from.add(string(strings, vn_file))
                    if not vn_next:
                        break
                    pos += vn_next
        return elf
    except (struct.error, IndexError, ValueError):
        return None


def elf_needed(path: str | Path) -> list[str] | None:
    """The ``DT_NEEDED`` sonames of an ELF file, or None when it is not a readable ELF file."""
    elf = read_elf(path)
    return None if elf is None else elf.needed


def _name(dest: str) -> str:
    return PurePosixPath(dest.replace("\\", "/")).name


def prune(
    binaries: Iterable[Entry],
    datas: Iterable[Entry],
    drop_patterns: Iterable[str],
    released: Iterable[Entry] = (),
) -> tuple[list[Entry], list[Entry], list[str]]:
    """Remove entries whose destination matches a pattern, then the libraries only they needed.

    A matching library is removed even when kept files link against it: that is how a library the
    target system must provide (libstdc++) is left out. ``released`` are entries the caller already
    replaced (the originals of :func:`stub_libraries`): what only they needed goes too. Returns the
    new binaries and datas and the destinations removed. Symbolic links that pointed at a removed
    library go too, so the bundle holds no dangling link.
    """
    # (no pattern matches nothing: an empty alternation would match everything)
    drop = re.compile("|".join(f"(?:{p})" for p in drop_patterns) or r"(?!)")
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
    released = set(released)
    reachable_from_dropped = closure(dropped | released, set())
    kept_roots = [e for e in binaries if e not in reachable_from_dropped]
    still_needed = closure(kept_roots, dropped)
    removed = dropped | {e for e in reachable_from_dropped if e not in still_needed}
    # A released entry is no longer in the table (its replacement, if any, holds the same name).
    removed -= released

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


def strip_binaries(binaries: Iterable[Entry], workdir: str | Path) -> list[Entry]:
    """Stripped copies of the ELF binaries that still carry a symbol table or debug sections.

    ``strip --strip-unneeded`` drops what only a debugger reads and keeps the dynamic symbols the
    loader needs. Wheel-vendored libraries were often rewritten by patchelf (auditwheel), and
    binutils' strip can then misplace their load segments ("ELF load command address/offset not
    page-aligned", which is how a blanket ``strip=True`` breaks numpy's OpenBLAS); each stripped
    copy is therefore checked the way the loader checks it, and the original is kept when it
    fails. Copies are kept in ``workdir``, each with a note of the source it was made from (path,
    size, modification time), and reused, or skipped again, while the source is the same.
    Without ``strip`` on the PATH the binaries are returned as they are.
    """
    binaries = list(binaries)
    tool = shutil.which("strip")
    if tool is None:
        return binaries
    workdir = Path(workdir)
    result: list[Entry] = []
    for entry in binaries:
        source = Path(entry[1])
        if not _has_symbols(source):
            result.append(entry)
            continue
        output = workdir / _posix(entry[0])
        note = output.with_name(output.name + ".source")
        stat = source.stat()
        made_from = f"{source.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}\n"
        if not (note.is_file() and note.read_text("utf-8") == made_from):
            output.parent.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [tool, "--strip-unneeded", "-o", str(output), str(source)], capture_output=True
            )
            if done.returncode != 0 or not loadable(output):
                output.unlink(missing_ok=True)  # noted, so the next build keeps the original too
            note.write_text(made_from, "utf-8")
        result.append((entry[0], str(output), entry[2]) if output.is_file() else entry)
    return result


def _has_symbols(path: Path) -> bool:
    """Whether an ELF file has a static symbol table or debug sections (what strip removes)."""
    sections = _section_headers(path)
    return sections is not None and any(
        sh_type == _SHT_SYMTAB or name.startswith(".debug") for name, sh_type in sections
    )


def _section_headers(path: Path) -> list[tuple[str, int]] | None:
    """The (name, type) of each section of an ELF file, or None when it is no readable ELF."""
    opened = _elf_bytes(path)
    if opened is None:
        return None
    data, is64, endian = opened
    try:
        shoff, shentsize, shnum, shstrndx = _section_table(data, is64, endian)
        layout = endian + ("II8x8xQ" if is64 else "II4x4xI")
        headers = [struct.unpack_from(layout, data, shoff + i * shentsize) for i in range(shnum)]
        names = headers[shstrndx][2]
        result = []
        for name, sh_type, _ in headers:
            end = data.index(b"\0", names + name)
            result.append((data[names + name : end].decode("utf-8", "replace"), sh_type))
        return result
    except (struct.error, IndexError, ValueError):
        return None


def loadable(path: str | Path) -> bool:
    """Whether the loader accepts an ELF file's load segments: aligned to whole pages, with each
    one's file offset and address agreeing modulo its alignment, and inside the file."""
    opened = _elf_bytes(path)
    if opened is None:
        return False
    data, is64, endian = opened
    try:
        if is64:
            phoff = struct.unpack_from(endian + "Q", data, 0x20)[0]
            phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
        else:
            phoff = struct.unpack_from(endian + "I", data, 0x1C)[0]
            phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x2A)
        for index in range(phnum):
            base = phoff + index * phentsize
            if is64:
                p_type, _, p_offset, p_vaddr, _, p_filesz, _, p_align = struct.unpack_from(
                    endian + "IIQQQQQQ", data, base
                )
            else:
                p_type, p_offset, p_vaddr, _, p_filesz, _, _, p_align = struct.unpack_from(
                    endian + "IIIIIIII", data, base
                )
            if p_type != _PT_LOAD:
                continue
            # glibc's checks, for 4 KiB pages; and the ELF rule that the two agree modulo p_align
            if p_align % _PAGE or (p_vaddr - p_offset) % max(p_align, _PAGE):
                return False
            if p_offset + p_filesz > len(data):
                return False
        return True
    except struct.error:
        return False


_C_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class StubError(RuntimeError):
    """A library cannot be replaced by a stand-in safely (it exports data, or versioned symbols)."""


@dataclass(frozen=True)
class Stub:
    """A library to replace by a stand-in (see :func:`stub_libraries`)."""

    # a pattern of the destinations to replace
    pattern: str
    # why the app never needs the library, for the message a called stand-in prints
    reason: str
    # a pattern of the functions that answer 0 (NULL) instead of aborting: the questions a user
    # of the library asks at start-up, to which 0 is the library's own "not available"
    answers_null: str = r"(?!)"


def stub_libraries(
    binaries: Iterable[Entry],
    stubs: Iterable[Stub],
    workdir: str | Path,
    compiler: str | None = None,
) -> tuple[list[Entry], list[Entry]]:
    """Replace libraries the bundle never calls into by tiny stand-ins that abort when called.

    Some wheels link a library for a feature the app never uses: PyAV's FFmpeg links the x265
    and SVT-AV1 encoders into libavcodec, so 26 MB of encoders are loaded (never run) with it. A
    stand-in keeps the library's name (its soname) and defines every function the rest of the
    bundle takes from it; each writes which function was called and why the library is not
    there to stderr, then aborts, except the start-up questions ``answers_null`` names. Nothing
    is resolved differently at load time, so whatever links the original still loads. (Merely
    dropping the link would not do: Python opens extensions with RTLD_NOW, which resolves every
    symbol at once, so ``import av`` would fail.)

    Refused with :class:`StubError` when another file takes a data symbol from the library or
    needs a symbol version from it (a stand-in cannot provide those). Without a C compiler
    (``cc``, or ``compiler``) nothing is replaced. Returns the new binaries and the replaced
    originals (pass those to :func:`prune` as ``released`` so their own libraries go too).
    """
    binaries = list(binaries)
    stubs = list(stubs)
    cc = compiler or shutil.which("cc") or shutil.which("gcc")
    if not stubs or cc is None:
        return binaries, []
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    infos = {entry: read_elf(entry[1]) for entry in binaries}
    new_binaries: list[Entry] = []
    replaced: list[Entry] = []
    for entry in binaries:
        stub = next((s for s in stubs if re.search(s.pattern, _posix(entry[0]))), None)
        original = infos[entry]
        if stub is None or original is None:
            new_binaries.append(entry)
            continue
        soname = _name(entry[0])
        users = [e for e, info in infos.items() if info is not None and soname in info.needed]
        wanted: set[str] = set()
        for user in users:
            info = infos[user]
            assert info is not None
            if soname in info.versioned_from:
                raise StubError(f"{_posix(user[0])} needs a symbol version from {soname}")
            wanted |= info.undefined & original.defined.keys()
        data = sorted(s for s in wanted if original.defined[s] not in ("FUNC", "IFUNC"))
        if data:
            raise StubError(f"{soname} cannot be stubbed: the bundle takes data from it: {data}")
        odd = sorted(s for s in wanted if not _C_NAME.fullmatch(s))
        if odd:
            raise StubError(f"{soname} cannot be stubbed: {odd} are no C names")
        output = workdir / soname
        source = workdir / f"{soname}.c"
        source.write_text(stub_source(soname, sorted(wanted), stub), "utf-8")
        command = [cc, "-shared", "-fPIC", "-O2", "-w", f"-Wl,-soname,{soname}", "-o", str(output)]
        subprocess.run([*command, str(source)], check=True)
        new_binaries.append((entry[0], str(output), entry[2]))
        replaced.append(entry)
    return new_binaries, replaced


def stub_source(soname: str, functions: list[str], stub: Stub) -> str:
    """C source of a stand-in for ``soname``: each function says it is missing, then aborts."""
    message = _c_string(f"{soname} is not in this bundle: {stub.reason}")
    lines = [
        f"/* Stand-in for {soname}, written by packaging/bundle_prune.py. */",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "",
        "static void left_out(const char *function) {",
        f'    fprintf(stderr, "sora-studio: %s was called, but {message}\\n", function);',
        "    abort();",
        "}",
    ]
    for name in functions:
        if re.search(stub.answers_null, name):
            lines.append(f"void *{name}(void) {{ return 0; }}")
        else:
            lines.append(f'void {name}(void) {{ left_out("{name}"); }}')
    return "\n".join(lines) + "\n"


def _c_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


def _posix(dest: str) -> str:
    return dest.replace("\\", "/")
