"""Check a layer tar header by header while its bytes stream past.

The fast unpacker (fastunpack.py) lets GNU tar, a C program, write a layer's
files. GNU tar is not asked to be careful: this module reads every member
header before tar is given it, and `feed` only releases bytes up to the next
header that has not been checked yet. A member that could escape the layer
directory (absolute name, `..`, a hard link leaving the layer) makes the whole
layer refused; a member whose meaning tar and the careful Python unpacker
(layers.py) could read differently (a path through a symlink of the layer, a
name given twice, a sparse file, a header type we do not know...) raises
`NeedsCarefulUnpack`: the caller then unpacks the layer with layers.py, whose
semantics are the reference.

What the scan learns is kept for the pass after tar: whiteouts, opaque
directories, xattrs to set, directory mtimes, and the layer's size.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from .layers import (LayerError, OPAQUE_MARKER, PAX_XATTR, WHITEOUT_META_PREFIX,
                     WHITEOUT_PREFIX, _kept_xattr)
from .safefs import breakout, split_member

BLOCK = 512
MAX_EXTENDED = 1 << 20         # a PAX or GNU long-name record is never larger than this
POSIX_MAGIC = b"ustar\x00"
REGULAR, DIRECTORY, SYMLINK, HARDLINK = b"0", b"5", b"2", b"1"
NODES = (b"3", b"4", b"6")     # char device, block device, fifo
_FILE_TYPES = (b"0", b"\x00", b"7")
_EXTENDED = (b"x", b"g", b"L", b"K")
_ZEROS = bytes(BLOCK)


class NeedsCarefulUnpack(Exception):
    """The layer is valid tar but only the Python unpacker gives it Docker's meaning."""


@dataclass
class Whiteout:
    parts: list[str]          # path of the `.wh.NAME` entry
    uid: int
    gid: int


@dataclass
class ScanResult:
    """What the pass after GNU tar needs, and the layer size Docker reports."""

    whiteouts: list[Whiteout] = field(default_factory=list)
    opaque: list[list[str]] = field(default_factory=list)      # paths of the markers
    xattrs: list[tuple[list[str], bool, dict[str, bytes]]] = field(default_factory=list)
    dir_mtimes: dict[str, int] = field(default_factory=dict)
    size: int = 0
    # (offset in the tar, size, path) of each file whose content stays in the tree as
    # tar wrote it: what tar-split (tarsplit.py) may take back from the tree
    files: list[tuple[int, int, str]] = field(default_factory=list)


class _Header:
    """One member as GNU tar will read it; owner and time are decoded on demand."""

    __slots__ = ("name", "kind", "size", "block", "linkname", "pax")

    def __init__(self, name: str, kind: bytes, size: int, block: bytes, linkname: str,
                 pax: dict[str, bytes]):
        self.name, self.kind, self.size = name, kind, size
        self.block, self.linkname, self.pax = block, linkname, pax

    @property
    def uid(self) -> int:
        return int(self.pax.get("uid", b"") or _number(self.block[108:116]))

    @property
    def gid(self) -> int:
        return int(self.pax.get("gid", b"") or _number(self.block[116:124]))

    @property
    def mtime(self) -> int:
        return int(float(self.pax.get("mtime", b"") or _number(self.block[136:148])))


def _number(field_: bytes) -> int:
    """A numeric header field: octal text, or GNU's base-256 when the high bit is set."""
    if field_ and field_[0] & 0x80:
        value = int.from_bytes(field_[1:], "big")
        return value - (1 << (8 * len(field_) - 8)) if field_[0] & 0x40 else value
    text = field_.split(b"\x00", 1)[0].strip(b" ")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise LayerError(f"invalid layer tar: bad number field {bytes(field_)!r}") from None


def _text(field_: bytes) -> str:
    return os.fsdecode(field_.split(b"\x00", 1)[0])


def _checksum_ok(block: bytes) -> bool:
    """The header checksum, summed unsigned (POSIX) or signed (old Sun tars)."""
    try:
        stored = _number(block[148:156])
    except LayerError:
        return False
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored == unsigned:
        return True
    signed = unsigned - 256 * sum(1 for b in block[:148] + block[156:] if b > 127)
    return stored == signed


def _pax_records(data: bytes) -> dict[str, bytes]:
    """`len key=value\\n` records (values kept as bytes)."""
    records: dict[str, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.find(b" ", pos)
        try:
            length = int(data[pos:space])
        except ValueError:
            raise LayerError("invalid layer tar: damaged PAX header") from None
        record = data[space + 1:pos + length]
        if length <= 0 or not record.endswith(b"\n") or b"=" not in record:
            raise LayerError("invalid layer tar: damaged PAX header")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value
        pos += length
    return records


class LayerScanner:
    """Incremental tar header reader: `feed` chunks, forward what it returns."""

    def __init__(self, allow_devices: bool = True):
        self.allow_devices = allow_devices
        self.pos = 0                 # absolute offset of the next byte fed
        self.next_header = 0         # absolute offset of the next header to read
        self.released = 0            # bytes before this offset were handed out
        self.held = bytearray()      # unreleased bytes from `held_at` on (an unread header)
        self.held_at = 0
        self.ended = False
        self._at = 0                 # offset of the header being read
        self.result = ScanResult()
        self._pax: dict[str, bytes] = {}
        self._long_name: str | None = None
        self._long_link: str | None = None
        self._seen: dict[str, bytes] = {}        # path -> member type
        self._symlinks: set[str] = set()
        self._dirs_ok: set[str] = {""}            # parents known to hold no symlink
        self._hidden: set[str] = set()            # paths a whiteout of this layer hides

    # -- the stream ------------------------------------------------------------
    def feed(self, data: memoryview | bytes) -> list[memoryview]:
        """Consume `data`; return the pieces of the stream now safe to hand to tar.

        Bytes are released up to the end of the last member checked; the
        headers of a member (its PAX or long-name headers included) are kept
        back until the member is checked.
        """
        if self.ended:
            self.pos += len(data)
            return []
        if self.held:
            self.held += data
            view, start = memoryview(bytes(self.held)), self.held_at
            self.held = bytearray()
        else:
            view, start = memoryview(data), self.pos
        self.pos += len(data)
        end = start + len(view)
        while self.next_header < end:
            rel = self.next_header - start
            if rel + BLOCK > len(view):
                break
            block = view[rel:rel + BLOCK].tobytes()
            kind = block[156:157]
            extended = 0
            if kind in _EXTENDED:
                extended = _number(block[124:136])
                if not 0 <= extended <= MAX_EXTENDED:
                    raise LayerError("invalid layer tar: oversized extended header")
                if rel + BLOCK + extended > len(view):
                    break
            if block == _ZEROS:
                self.ended = True
                return [view[:self.released - start]] if self.released > start else []
            self._at = self.next_header
            size = self._member(block, view[rel + BLOCK:rel + BLOCK + extended])
            self.next_header += BLOCK + -(-size // BLOCK) * BLOCK
            if kind not in _EXTENDED:
                self.released = self.next_header
        if self.released < end:
            self.held = bytearray(view[self.released - start:])
            self.held_at = self.released
        cut = min(self.released, end) - start
        return [view[:cut]] if cut > 0 else []

    def finish(self) -> ScanResult:
        """Check the stream ended cleanly (at a member boundary) and return the scan."""
        if not self.ended:
            if self.pos == 0:
                raise LayerError("invalid layer tar: empty file")
            if self.next_header != self.pos or self.released != self.pos:
                raise LayerError("invalid layer tar: unexpected end of data")
        return self.result

    # -- headers ---------------------------------------------------------------
    def _member(self, block: bytes, extended: memoryview) -> int:
        """Read one header; returns the size of the data that follows it."""
        if not _checksum_ok(block):
            raise LayerError("invalid layer tar: bad checksum")
        kind = block[156:157]
        size = _number(block[124:136])
        if kind in _EXTENDED:
            self._extended(kind, extended.tobytes())
            return size
        pax, long_name, long_link = self._pax, self._long_name, self._long_link
        name = long_name if long_name is not None else self._name(block)
        linkname = long_link if long_link is not None else _text(block[157:257])
        if pax or long_name is not None or long_link is not None:
            self._pax, self._long_name, self._long_link = {}, None, None
            if "path" in pax:
                name = pax["path"].decode("utf-8", "surrogateescape")
            if "linkpath" in pax:
                linkname = pax["linkpath"].decode("utf-8", "surrogateescape")
            if "size" in pax:
                size = int(pax["size"])
        header = _Header(name, REGULAR if kind in _FILE_TYPES else kind, size,
                         block, linkname, pax)
        if header.kind != REGULAR and size:
            raise NeedsCarefulUnpack(f"{name}: a non-file entry with data")
        if header.kind == REGULAR and name.endswith("/"):
            raise NeedsCarefulUnpack(f"{name}: a file entry named like a directory")
        self._check(header)
        return size

    def _name(self, block: bytes) -> str:
        """The member name exactly as GNU tar reads it (prefix only with POSIX magic)."""
        name = _text(block[0:100])
        prefix = block[345:500]
        if block[257:263] == POSIX_MAGIC:
            if prefix[0]:
                return _text(prefix) + "/" + name
        elif prefix != _ZEROS[:155]:
            raise NeedsCarefulUnpack(f"{name}: a non-POSIX header with a prefix field")
        return name

    def _extended(self, kind: bytes, data: bytes) -> None:
        if kind in (b"L", b"K"):
            text = os.fsdecode(data.split(b"\x00", 1)[0])
            if kind == b"L":
                self._long_name = text
            else:
                self._long_link = text
            return
        records = _pax_records(data)
        if any(k.startswith("GNU.sparse") for k in records):
            raise NeedsCarefulUnpack("a sparse file")
        if kind == b"g":
            if {"path", "linkpath", "size", "uid", "gid", "mtime"} & records.keys():
                raise NeedsCarefulUnpack("a global PAX header that renames members")
            return
        self._pax.update(records)

    # -- rules -----------------------------------------------------------------
    def _check(self, h: _Header) -> None:
        parts = split_member(h.name)             # refuses absolute names and climbs
        if ".." in h.name.split("/"):
            raise NeedsCarefulUnpack(f"{h.name}: '..' inside the name")
        path = "/".join(parts)
        if not parts:
            if h.kind != DIRECTORY:
                raise LayerError(f"invalid layer entry {json.dumps(h.name)}: "
                                 "the layer root must be a directory")
            self._record_dir(h, parts, path)
            return
        self._check_parent(parts, h.name)
        self._check_hidden(parts, h.name)
        base = parts[-1]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(h, parts, base)
        else:
            self._entry(h, parts, path)

    def _check_parent(self, parts: list[str], name: str) -> None:
        parent = "/".join(parts[:-1])
        if parent in self._dirs_ok:
            return
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in self._symlinks or self._seen.get(prefix, DIRECTORY) != DIRECTORY:
                raise NeedsCarefulUnpack(f"{name}: its path goes through a link of the layer")
        for i in range(1, len(parts)):
            self._dirs_ok.add("/".join(parts[:i]))

    def _check_hidden(self, parts: list[str], name: str) -> None:
        if self._hidden and any("/".join(parts[:i]) in self._hidden
                                for i in range(1, len(parts) + 1)):
            raise NeedsCarefulUnpack(f"{name}: an entry under a whiteout of the same layer")

    def _claim(self, path: str, kind: bytes, name: str) -> None:
        """Refuse to let tar meet a path twice (only directories may repeat)."""
        before = self._seen.get(path)
        if before is not None and not (before == DIRECTORY == kind):
            raise NeedsCarefulUnpack(f"{name}: given twice in the layer")
        if kind != DIRECTORY and path in self._dirs_ok:
            raise NeedsCarefulUnpack(f"{name}: replaces a directory of the layer")
        self._seen[path] = kind

    def _whiteout(self, h: _Header, parts: list[str], base: str) -> None:
        if base == OPAQUE_MARKER or not base.startswith(WHITEOUT_META_PREFIX):
            if h.kind != REGULAR:
                raise NeedsCarefulUnpack(f"{h.name}: a whiteout that is not a plain file")
        else:
            raise NeedsCarefulUnpack(f"{h.name}: AUFS metadata")
        self._claim("/".join(parts), h.kind, h.name)
        if base == OPAQUE_MARKER:
            self.result.opaque.append(parts)
            return
        hidden = base[len(WHITEOUT_PREFIX):]
        if hidden in ("", ".", ".."):
            raise breakout(h.name, "whiteout of a parent directory")
        hidden_path = "/".join(parts[:-1] + [hidden])
        if hidden_path in self._seen or hidden_path in self._dirs_ok:
            raise NeedsCarefulUnpack(f"{h.name}: hides an entry of the same layer")
        self._hidden.add(hidden_path)
        self.result.whiteouts.append(Whiteout(parts, h.uid, h.gid))

    def _entry(self, h: _Header, parts: list[str], path: str) -> None:
        self._claim(path, h.kind, h.name)
        if h.kind == REGULAR:
            self.result.size += h.size
            if h.size:
                self.result.files.append((self._at + BLOCK, h.size, path))
            self._record_xattrs(h, parts, False)
        elif h.kind == DIRECTORY:
            self._record_dir(h, parts, path)
        elif h.kind == SYMLINK:
            if not h.linkname:      # tar would fail half-way on it; say so before it starts
                raise LayerError(f"invalid layer entry {json.dumps(h.name)}: symlink with an empty target")
            self._symlinks.add(path)
            self.result.size += len(os.fsencode(h.linkname))
        elif h.kind == HARDLINK:
            self._hardlink(h, path)
        elif h.kind in NODES:
            if h.kind != b"6" and not self.allow_devices:
                raise LayerError(f"invalid entry {json.dumps(h.name)}: device nodes are "
                                 "only allowed in image layers")
        else:
            raise NeedsCarefulUnpack(f"{h.name}: header type {h.kind!r}")

    def _record_dir(self, h: _Header, parts: list[str], path: str) -> None:
        self.result.dir_mtimes[path] = h.mtime
        self._record_xattrs(h, parts, True)

    def _record_xattrs(self, h: _Header, parts: list[str], is_dir: bool) -> None:
        if not h.pax:
            return
        kept = {k[len(PAX_XATTR):]: v for k, v in h.pax.items()
                if k.startswith(PAX_XATTR) and _kept_xattr(k[len(PAX_XATTR):])}
        if kept:
            self.result.xattrs.append((parts, is_dir, kept))

    def _hardlink(self, h: _Header, path: str) -> None:
        target_parts = split_member(h.linkname)    # refuses absolute targets and climbs
        target = "/".join(target_parts)
        if ".." in h.linkname.split("/") or target == path:
            raise NeedsCarefulUnpack(f"{h.name}: an unusual hard link target")
        for i in range(1, len(target_parts)):
            prefix = "/".join(target_parts[:i])
            if prefix in self._symlinks or self._seen.get(prefix, DIRECTORY) != DIRECTORY:
                raise NeedsCarefulUnpack(f"{h.name}: its target goes through a link")
        kind = self._seen.get(target)
        if kind is None or target in self._hidden:
            if target in self._dirs_ok:
                raise NeedsCarefulUnpack(f"{h.name}: a hard link to a directory")
            raise LayerError(f"invalid layer entry {json.dumps(h.name)}: its hard link "
                             f"target {json.dumps(h.linkname)} is not in the layer")
        if kind == DIRECTORY:
            raise NeedsCarefulUnpack(f"{h.name}: a hard link to a directory")
        if kind == SYMLINK or target in self._symlinks:
            self._symlinks.add(path)
        self._seen[path] = kind
