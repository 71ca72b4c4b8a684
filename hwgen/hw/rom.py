"""Read-only on-chip tables (weights, per-channel constants): one component, two forms.

Every table a block reads but never writes is a :class:`Rom`. Built without ``files`` it is an
Amaranth ``Memory`` with its words as initial contents, which Amaranth's simulator runs (the
hardware tests). Built with a :class:`RomFiles` it is an ``Instance`` of a small ROM module
(rendered once per design from ``rtl_templates/rom.v.j2``) that loads the words with
``$readmemh`` from ``mem/<file>``; the words go into :attr:`RomFiles.images`, which the writer
stores as ``OUT/mem/*.memh``. The shipped Verilog then holds no table contents, and the images
are the very words the hardware was built from. Both forms read alike: a synchronous port
registers ``data`` at the clock edge where ``en`` is high (no reset, as Amaranth's read port);
a combinational port shows word ``addr`` in the same cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import ClockSignal, Fragment, Instance, Module, unsigned
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from .shapes import index_range

__all__ = ["Rom", "RomFiles", "RomImage", "READS", "rom_module_names", "recorded_images"]

#: Read ports a ROM can have: registered (``"sync"``) or combinational (``"comb"``).
READS = ("sync", "comb")


def rom_module_names(top: str) -> dict:
    """Verilog module of each read port kind of the ROMs of design ``top``."""
    return {read: f"{top}_rom_{read}" for read in READS}


@dataclass(frozen=True)
class RomImage:
    """The contents of one ROM, as its ``$readmemh`` image holds them.

    Attributes
    ----------
    key : str
        ``"<scope>.<table>"``, e.g. ``"layer3.weights"``.
    file : str
        Image file name (in ``mem/``), e.g. ``"layer3_weights.memh"``.
    words : tuple of int
        One word per address, the memory's depth (at least 2).
    bits : int
        Bits per word.
    """

    key: str
    file: str
    words: tuple
    bits: int


class RomFiles:
    """Where ROMs go when the RTL reads them from ``$readmemh`` images.

    Parameters
    ----------
    top : str
        Verilog module name of the design; its ROM modules are :func:`rom_module_names`.
    scope : str
        Name of the block whose ROMs this object names (``"layer3"``): a table ``weights``
        becomes ``layer3.weights`` in file ``layer3_weights.memh``.
    images : dict, optional
        Shared record, ``file -> RomImage``; :meth:`within` hands it to each block.
    """

    def __init__(self, top: str, *, scope: str = "rom", images: dict | None = None):
        if not scope.isidentifier():
            raise ValueError(f"scope must be an identifier, not {scope!r}")
        self.top = top
        self.scope = scope
        self.images = {} if images is None else images

    def within(self, scope: str) -> RomFiles:
        """The same record, naming the ROMs of block ``scope``."""
        return RomFiles(self.top, scope=scope, images=self.images)

    def add(self, table: str, words, bits: int) -> str:
        """Record table ``table`` of this scope; return its image file name."""
        if not table.isidentifier():
            raise ValueError(f"table must be an identifier, not {table!r}")
        image = RomImage(key=f"{self.scope}.{table}", file=f"{self.scope}_{table}.memh",
                         words=tuple(words), bits=bits)
        known = self.images.get(image.file)
        if known is not None and known != image:
            raise ValueError(f"two different tables are both named {image.key}")
        self.images[image.file] = image
        return image.file


class Rom(wiring.Component):
    """A table of ``words`` read through one port.

    Parameters
    ----------
    words : sequence of int
        Contents, unsigned, each below ``2**bits``. A table of one word gets a second (zero)
        word so that its address is one bit wide, as :func:`~hwgen.hw.shapes.index_range`.
    bits : int
        Bits per word.
    read : {"sync", "comb"}
        Registered read (``data`` is word ``addr`` of the previous cycle where ``en`` was
        high) or combinational read.
    table : str
        The table's name within its block (an identifier: image file names derive from it).
    files : RomFiles, optional
        Read the words from a ``$readmemh`` image instead of holding them in the design.

    Members
    -------
    addr : In(range(depth))
    en : In(1, init=1)
        Only with ``read="sync"``.
    data : Out(bits)
    """

    def __init__(self, *, words, bits, read, table, files=None):
        if not isinstance(bits, int) or isinstance(bits, bool) or bits < 1:
            raise TypeError(f"bits must be a positive integer, not {bits!r}")
        if read not in READS:
            raise ValueError(f"read must be one of {READS}, not {read!r}")
        if not isinstance(table, str) or not table.isidentifier():
            raise ValueError(f"table must be an identifier, not {table!r}")
        if files is not None and not isinstance(files, RomFiles):
            raise TypeError(f"files must be a RomFiles or None, not {files!r}")
        words = [int(w) for w in words]
        if not words:
            raise ValueError(f"table {table} has no words")
        if any(w < 0 or w >> bits for w in words):
            raise ValueError(f"the words of table {table} must fit {bits} unsigned bits")
        self._words = words + [0] * (len(index_range(len(words))) - len(words))
        self._bits, self._read, self._table, self._files = bits, read, table, files
        members = {"addr": In(index_range(len(words))), "data": Out(bits)}
        if read == "sync":
            members["en"] = In(1, init=1)
        super().__init__(members)

    @property
    def words(self) -> tuple:
        """Every word, padding included (what the image file holds)."""
        return tuple(self._words)

    def elaborate(self, platform):
        m = Module()
        if self._files is None:
            m.submodules.memory = memory = Memory(shape=unsigned(self._bits),
                                                  depth=len(self._words), init=self._words)
            port = memory.read_port(domain=self._read)
            m.d.comb += [port.addr.eq(self.addr), self.data.eq(port.data)]
            if self._read == "sync":
                m.d.comb += port.en.eq(self.en)
            return m
        file = self._files.add(self._table, self._words, self._bits)
        ports = {"i_addr": self.addr, "o_data": self.data}
        if self._read == "sync":
            ports.update(i_clk=ClockSignal(), i_en=self.en)
        m.submodules.rom = Instance(
            rom_module_names(self._files.top)[self._read],
            p_WIDTH=self._bits, p_DEPTH=len(self._words), p_ABITS=len(self.addr),
            p_FILE=file, **ports)
        return m


def recorded_images(build) -> dict:
    """``{table: (words, bits per word)}`` of the ROMs a component builds in its file form.

    ``build(files)`` returns the component, constructed with ``roms=files``; it is elaborated
    (not converted) to collect the tables exactly as the hardware holds them.
    """
    files = RomFiles("rom", scope="block")
    Fragment.get(build(files), platform=None)
    return {image.key.partition(".")[2]: (list(image.words), image.bits)
            for image in files.images.values()}
