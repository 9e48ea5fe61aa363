"""Just enough of an OLE compound file (HWP, old .doc/.xls/.ppt) to tell what it is, read with bounds.

`olefile` builds the whole directory as Python objects, recursively: a 7 MB upload whose
directory held 55,000 entries took the API 59 MiB and a second, and a long chain of siblings
ended in a RecursionError (a 500). Here the header, the directory's sectors one at a time (at
most MAX_ENTRIES entries) and the few FAT sectors a chain passes through are read, and of the
`FileHeader` stream only its first bytes: memory stays a few KiB whatever the file claims.

Layout (MS-CFB): a 512-byte header; sector n starts at (n + 1) × sector size; the FAT maps each
sector to the next one of its chain, its own sectors listed in the header (109) and then in a
chain of DIFAT sectors; streams under the mini-stream cutoff live in 64-byte mini sectors inside
the root entry's stream.
"""

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ENTRIES = 16_384  # a large HWP holds a few hundred streams
MAX_CHAIN = 65_536  # sectors followed in any one chain (a loop ends here too)
ENTRY = 128
END_OF_CHAIN = 0xFFFFFFFE
LAST_REGULAR = 0xFFFFFFFA  # sector numbers above this are markers, not sectors


class DamagedOle(Exception):
    """Not a compound file that can be read within the bounds."""


@dataclass(frozen=True)
class Stream:
    start: int
    size: int


@dataclass(frozen=True)
class OleSummary:
    names: frozenset[str]  # the stream and storage names that detection asks about, found
    file_header: bytes  # the first bytes of the `FileHeader` stream, b"" without one


class _Compound:
    # The header's numbers, read with struct (which types them as Any).
    major: int
    sector_size: int
    per_sector: int
    first_directory: int
    mini_cutoff: int
    first_difat: int
    difat_sectors: int
    difat: list[int]

    def __init__(self, f: BinaryIO, header: bytes) -> None:
        self.f = f
        (self.major,) = struct.unpack_from("<H", header, 0x1A)
        sector_shift, mini_shift = struct.unpack_from("<HH", header, 0x1E)
        if sector_shift not in (9, 12) or mini_shift != 6:
            raise DamagedOle("unusual sector sizes")
        self.sector_size = 1 << sector_shift
        self.per_sector = self.sector_size // 4
        (self.first_directory,) = struct.unpack_from("<I", header, 0x30)
        self.mini_cutoff, _, _, self.first_difat, self.difat_sectors = struct.unpack_from("<IIIII", header, 0x38)
        self.difat = list(struct.unpack_from("<109I", header, 0x4C))
        self.fat_cache: dict[int, tuple[int, ...]] = {}

    def sector(self, number: int, length: int | None = None, offset: int = 0) -> bytes:
        if number > LAST_REGULAR:
            raise DamagedOle("a chain points at a marker")
        self.f.seek((number + 1) * self.sector_size + offset)
        data = self.f.read(self.sector_size if length is None else length)
        if len(data) < (self.sector_size if length is None else length):
            raise DamagedOle("a sector past the end of the file")
        return data

    def _fat_sector_number(self, index: int) -> int:
        """The sector holding the index-th part of the FAT, from the header or the DIFAT chain."""
        if index < len(self.difat):
            return self.difat[index]
        difat_sector, skip = self.first_difat, index - 109
        for _ in range(min(self.difat_sectors, MAX_CHAIN)):
            entries: tuple[int, ...] = struct.unpack(f"<{self.per_sector}I", self.sector(difat_sector))
            if skip < self.per_sector - 1:
                return entries[skip]
            skip -= self.per_sector - 1
            difat_sector = entries[-1]
        raise DamagedOle("the FAT is not where the header says")

    def next_sector(self, number: int) -> int:
        index = number // self.per_sector
        if index not in self.fat_cache:
            if len(self.fat_cache) >= MAX_CHAIN:
                raise DamagedOle("too many FAT sectors")
            self.fat_cache[index] = struct.unpack(f"<{self.per_sector}I", self.sector(self._fat_sector_number(index)))
        return self.fat_cache[index][number % self.per_sector]

    def walk(self, start: int, steps: int) -> int:
        """The sector `steps` links along the chain that starts at `start`."""
        if steps > MAX_CHAIN:
            raise DamagedOle("a stream too far into its chain")
        number = start
        for _ in range(steps):
            number = self.next_sector(number)
        return number


def _entries(compound: _Compound) -> Iterator[tuple[str, int, int, int]]:
    """(name, type, start, size) of each directory entry, sector by sector."""
    number, seen = compound.first_directory, 0
    while number != END_OF_CHAIN:
        data = compound.sector(number)
        for at in range(0, compound.sector_size, ENTRY):
            seen += 1
            if seen > MAX_ENTRIES:
                raise DamagedOle(f"more than {MAX_ENTRIES} directory entries")
            name_length, kind = struct.unpack_from("<HB", data, at + 64)
            start, size = struct.unpack_from("<IQ", data, at + 116)
            if compound.major == 3:
                size &= 0xFFFFFFFF  # version 3 files may leave the high half unset
            name = data[at:at + min(name_length, 64)].decode("utf-16-le", "replace").rstrip("\0")
            yield name, kind, start, size
        number = compound.next_sector(number)


def read_summary(path: str, wanted: frozenset[str], header_bytes: int = 32) -> OleSummary:
    """Which of the `wanted` names the file's directory holds, and the first bytes of FileHeader."""
    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512 or not header.startswith(MAGIC):
            raise DamagedOle("no compound file header")
        compound = _Compound(f, header)
        found: set[str] = set()
        root: Stream | None = None
        file_header: Stream | None = None
        for name, kind, start, size in _entries(compound):
            if kind == 5:
                root = Stream(start, size)
            elif name in wanted:
                found.add(name)
                if name == "FileHeader" and kind == 2:
                    file_header = Stream(start, size)
        first = _first_bytes(compound, file_header, root, header_bytes) if file_header else b""
        return OleSummary(frozenset(found), first)


def _first_bytes(compound: _Compound, stream: Stream, root: Stream | None, count: int) -> bytes:
    count = min(count, stream.size)
    if stream.size >= compound.mini_cutoff:
        return compound.sector(stream.start, count)
    if root is None:
        raise DamagedOle("a mini stream without a root entry")
    # A small stream sits in 64-byte mini sectors inside the root entry's stream.
    offset = stream.start * 64
    sector = compound.walk(root.start, offset // compound.sector_size)
    return compound.sector(sector, count, offset % compound.sector_size)
