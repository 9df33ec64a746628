"""Which encoding a large text data file is in, told from its first bytes, without reading it whole.

County offices save CSV from Excel either as UTF-8 (with or without BOM) or in the Windows
Chinese code page (GBK, read as its superset GB18030). Strict UTF-8 is tried first: GB18030
decodes much UTF-8 into the wrong characters, never the reverse. Only a sample is read, so a
file of any size is sniffed in bounded memory; a reader that streams the rest (pyarrow's CSV
reader) still refuses bytes that turn out not to be in the chosen encoding.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from governance.diagnostics import Location, MedunionError, Message, error
from governance.i18n import N_

SAMPLE_BYTES = 1 << 20  # 1 MiB: some thousands of rows, enough to meet the first Chinese header or value


@dataclass(frozen=True)
class TextEncoding:
    """A Python codec name (also understood by pyarrow) and the name shown to people."""

    codec: str
    label: str
    bom: bool = False


UTF8 = TextEncoding("utf-8", "UTF-8")
UTF8_BOM = TextEncoding("utf-8", "UTF-8 with BOM", bom=True)
GB18030 = TextEncoding("gb18030", "GB18030 (GBK)")


def _refuse(path: Path, message: str, **args: object) -> MedunionError:
    return MedunionError(error(message, Location(str(path), 1, 1), **args))


def decode_text(data: bytes, final: bool = True) -> tuple[str, TextEncoding] | Message:
    """`data` decoded as UTF-8 (with or without BOM), else GB18030, with the encoding chosen; or,
    when it is neither (or UTF-16, or binary), why, as a `Message` the caller places in its file.

    The one rule for every reader of text data (decide-bulk's sniffing, the appraisal's CSV).
    `final=False` reads `data` as the start of a longer file: a character cut at its end is not a
    failure. Strict UTF-8 is tried first: GB18030 decodes much UTF-8 into the wrong characters,
    never the reverse.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Message(N_("UTF-16 text (Excel's 'Unicode Text'): save it as 'CSV UTF-8'"))
    if b"\x00" in data:
        return Message(N_("not a text file (it contains NUL bytes): a CSV must be text; "
                          "is it a workbook or a Parquet file saved with the wrong name?"))
    if data.startswith(codecs.BOM_UTF8):
        text = _decoded(data[len(codecs.BOM_UTF8):], "utf-8", final)
        if isinstance(text, int):
            return Message(N_("starts as UTF-8 (BOM) but byte {byte} is not UTF-8: save it again as 'CSV UTF-8'"),
                           byte=text + len(codecs.BOM_UTF8))
        return text, UTF8_BOM
    text = _decoded(data, "utf-8", final)
    if isinstance(text, str):
        return text, UTF8
    text = _decoded(data, "gb18030", final)
    if isinstance(text, int):
        return Message(N_("neither UTF-8 nor GB18030/GBK text (byte {byte}): save it as 'CSV UTF-8' in Excel"),
                       byte=text)
    return text, GB18030


def _decoded(data: bytes, codec: str, final: bool) -> str | int:
    """The text, or the offset of the first byte that does not decode."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        return decoder.decode(data, final=final)
    except UnicodeDecodeError as exc:
        return exc.start


def sniff_encoding(path: str | Path, sample_bytes: int = SAMPLE_BYTES) -> TextEncoding:
    """UTF-8 (with or without BOM) or GB18030, told from the file's first `sample_bytes`.

    Refuses UTF-16 (Excel's "Unicode Text"), files with NUL bytes (a workbook or binary file
    under a .csv name) and bytes that are neither encoding, each with what to do.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            sample = handle.read(sample_bytes + 1)
    except OSError as exc:
        raise _refuse(path, N_("cannot read the file: {reason}"), reason=exc.strerror) from None
    found = decode_text(sample[:sample_bytes], final=len(sample) <= sample_bytes)
    if isinstance(found, Message):
        raise MedunionError(error(found, Location(str(path), 1, 1)))
    return found[1]
