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

from governance.diagnostics import Location, MedunionError, error
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


def _decodes(sample: bytes, codec: str, final: bool) -> bool:
    """Whether the sample decodes; a character cut at the sample's end is not a failure."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        decoder.decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


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
    whole = len(sample) <= sample_bytes
    sample = sample[:sample_bytes]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refuse(path, N_("UTF-16 text (Excel's 'Unicode Text'): save it as 'CSV UTF-8'"))
    if b"\x00" in sample:
        raise _refuse(path, N_("not a text file (it contains NUL bytes): a CSV must be text; "
                               "is it a workbook or a Parquet file saved with the wrong name?"))
    if sample.startswith(codecs.BOM_UTF8):
        if _decodes(sample[len(codecs.BOM_UTF8):], "utf-8", whole):
            return UTF8_BOM
        raise _refuse(path, N_("starts as UTF-8 (BOM) but is not UTF-8 further on: save it again as 'CSV UTF-8'"))
    if _decodes(sample, "utf-8", whole):
        return UTF8
    if _decodes(sample, "gb18030", whole):
        return GB18030
    raise _refuse(path, N_("neither UTF-8 nor GB18030/GBK text: save it as 'CSV UTF-8' in Excel"))
