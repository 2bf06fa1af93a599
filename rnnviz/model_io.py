"""Save and load Params as a file: .npz (numpy's zip of .npy arrays, never pickles) or JSON.

    data = to_npz(p)              # bytes: W_s.npy, b_s.npy, W_o.npy, b_o.npy, s0.npy, f_s.npy, f_o.npy
    p    = from_npz(data)         # ValueError saying what is wrong with the file
    text = to_json(p)             # {"format": "rnnviz-params", "version": 1, "f_s": ..., "W_s": [[...]], ...}
    p    = from_json(text)
    p    = load(data, filename)   # by the file's ending (.npz or .json)

Both round-trip exactly (float64 to float64; JSON writes each number's shortest exact repr). Loading
treats the file as untrusted. Anything above MAX_BYTES (the file, a JSON text, or an array's declared size)
is refused before it is read into memory; an .npz member is checked from its zip entry (declared
uncompressed size, encryption, compression method) and its .npy header (dtype, shape) before any array
data are expanded, so a small compressed file cannot unpack into gigabytes. Every member is read to its
end, so zipfile checks its CRC-32: a changed byte is found, never loaded as other weights. Object arrays
(pickles), unknown or missing names, wrong shapes, NaN and inf are refused. Every way a file can fail to
load (a damaged zip, corrupt compressed data, bad UTF-8, deep nesting, numbers beyond float64, ...) is a
ValueError that says what is wrong and what to do, never another exception. Numpy and the standard
library only.
"""
import io
import json
import math
import reprlib
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from .params import PARAM_NAMES, Params

MAX_BYTES = 10 * 1024 * 1024            # 10 MB: far above any model the app trains (LIMITS: H <= 64)
FORMAT, VERSION = "rnnviz-params", 1
NAME_FIELDS = ("f_s", "f_o")


def _params_from(arrays: dict, names: dict, source: str) -> Params:
    """Params from {name: float64 array} and {f_s, f_o}; ValueError naming the file kind otherwise."""
    try:
        return Params(**arrays, **names)
    except ValueError as e:                                              # shapes, NaN/inf, unknown activation
        raise ValueError(f"{source}: {e}") from None


# --------------------------------------------------------------------------------------------------
# .npz
# --------------------------------------------------------------------------------------------------

def to_npz(p: Params) -> bytes:
    """The parameters as .npz bytes (uncompressed): one float64 array per parameter, f_s and f_o as strings."""
    buf = io.BytesIO()
    np.savez(buf, **p.arrays(), f_s=np.array(p.f_s), f_o=np.array(p.f_o))
    return buf.getvalue()


class _Refused(ValueError):
    """A file refused with rnnviz's own message (passed on as it is, never wrapped again)."""


STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED           # what np.savez / np.savez_compressed write
ENCRYPTED, PATCHED, STRONG_ENCRYPTION = 0x1, 0x20, 0x40                # zip flag bits rnnviz cannot read
METHOD_NAMES = {1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "zstandard", 98: "PPMd"}
# What reading a damaged zip can raise besides BadZipFile: a lying header sends zipfile or zlib off the end of
# the data, to a negative offset, or into bytes that are not what they claim to be.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, struct.error, UnicodeDecodeError, KeyError,
           IndexError, TypeError, OverflowError, ValueError)
UNSUPPORTED = (NotImplementedError, RuntimeError, zipfile.LargeZipFile)
NPZ_HELP = "save the model again with the download button (or np.savez) and load that file"


def _detail(e: BaseException) -> str:
    """The library's words for what went wrong, at most 80 characters (a damaged file name can be long)."""
    text = str(e) if len(str(e)) <= 80 else str(e)[:77] + "..."
    if isinstance(e, zipfile.BadZipFile):
        return text
    kind = {zlib.error: "zlib", EOFError: "the data end too early"}.get(type(e), type(e).__name__)
    return f"{kind}: {text}" if text else kind


def _as_bytes(data, kind: str) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise ValueError(f"{kind}: give the file's contents as bytes; got {type(data).__name__}")


def _read_header(f, member: str):
    """(shape, dtype, fortran order) from an .npy stream's header; refused if it is not a valid .npy header."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, TypeError, SyntaxError, KeyError, tokenize.TokenError, RecursionError, MemoryError) as e:
        raise _Refused(f".npz file: {member} is not a valid .npy array (its header: {type(e).__name__}: {e}); "
                       f"{NPZ_HELP}") from None
    if any(d < 0 for d in shape):
        raise _Refused(f".npz file: {member} declares a negative shape {shape}; the file is damaged")
    return shape, dtype, fortran


def _check_member(info: zipfile.ZipInfo) -> None:
    """Refuse, from its central directory entry, a member that zipfile cannot or should not read."""
    if info.flag_bits & (ENCRYPTED | STRONG_ENCRYPTION):
        raise _Refused(f".npz file: {info.filename} is encrypted (password-protected); rnnviz reads only "
                       f"unencrypted files: {NPZ_HELP}")
    if info.flag_bits & PATCHED:
        raise _Refused(f".npz file: {info.filename} is stored as 'compressed patched data', which rnnviz does not "
                       f"read; {NPZ_HELP}")
    if info.compress_type not in (STORED, DEFLATED):
        method = METHOD_NAMES.get(info.compress_type, "unknown")
        raise _Refused(f".npz file: {info.filename} is compressed with method {info.compress_type} ({method}); "
                       "rnnviz reads stored or deflated members, as np.savez and np.savez_compressed write them: "
                       f"{NPZ_HELP}")
    if info.compress_type == STORED and info.compress_size != info.file_size:
        raise _Refused(f".npz file: the zip entry of {info.filename} is damaged: it is stored uncompressed, yet "
                       f"declares {info.compress_size:,} bytes stored and {info.file_size:,} bytes of contents; "
                       f"{NPZ_HELP}")
    if info.file_size > MAX_BYTES:                                       # the declared size, before expanding
        raise _Refused(f".npz file: {info.filename} declares {info.file_size:,} bytes uncompressed, more "
                       f"than the {MAX_BYTES:,} allowed; it is refused without unpacking it")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> np.ndarray:
    """The member's array, read to the end of its data so that zipfile checks its CRC-32."""
    with zf.open(info) as f:
        shape, dtype, fortran = _read_header(f, info.filename)
        if dtype.hasobject:
            raise _Refused(f".npz file: {info.filename} holds Python objects (a pickle); rnnviz loads "
                           "numbers and names only, never pickles")
        if name in NAME_FIELDS and (dtype.kind != "U" or shape != ()):
            raise _Refused(f".npz file: {name} must be a single string such as 'tanh'; got dtype {dtype}, "
                           f"shape {shape}")
        if name not in NAME_FIELDS and (dtype.kind not in "fiu" or dtype.shape != ()):
            raise _Refused(f".npz file: {name} must hold real numbers (float64); got dtype {dtype}")
        n_bytes = math.prod(shape) * dtype.itemsize                      # Python ints: no overflow
        if n_bytes > MAX_BYTES:                                          # the header's size, before reading data
            raise _Refused(f".npz file: {name} declares shape {shape} ({n_bytes:,} bytes), more than the "
                           f"{MAX_BYTES:,} allowed")
        raw = f.read(n_bytes + 1)                                        # at most one byte more than declared
        if len(raw) < n_bytes:
            raise _Refused(f".npz file: {name} holds {len(raw):,} bytes of data where its header declares "
                           f"{n_bytes:,}; the file is damaged (cut short): {NPZ_HELP}")
        if len(raw) > n_bytes or f.read(1):                              # at the end zipfile checks the CRC-32
            raise _Refused(f".npz file: {name} holds more data than its header declares ({n_bytes:,} bytes); "
                           f"the file is damaged: {NPZ_HELP}")
        if f.tell() != info.file_size:                                   # the zip entry's size: all of it was read
            raise _Refused(f".npz file: the zip entry of {info.filename} declares {info.file_size:,} bytes, but it "
                           f"holds {f.tell():,}; the file is damaged: {NPZ_HELP}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _read_npz(zf: zipfile.ZipFile) -> tuple:
    """({name: float64 array}, {f_s, f_o}) from an opened .npz, every member checked and read to its end."""
    wanted = set(PARAM_NAMES) | set(NAME_FIELDS)
    members = {}
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name not in wanted:
            raise _Refused(f".npz file: unexpected entry {info.filename!r}; an rnnviz model holds only "
                           f"{', '.join(n + '.npy' for n in sorted(wanted))}")
        if name in members:
            raise _Refused(f".npz file: {info.filename!r} appears twice")
        _check_member(info)
        members[name] = info
    missing = [n for n in PARAM_NAMES + NAME_FIELDS if n not in members]
    if missing:
        raise _Refused(f".npz file: missing {', '.join(missing)}; an rnnviz model needs "
                       f"{', '.join(PARAM_NAMES + NAME_FIELDS)}")
    arrays, names = {}, {}
    for name, info in members.items():
        a = _read_member(zf, info, name)
        if name in NAME_FIELDS:
            names[name] = str(a[()])
        else:
            arrays[name] = a.astype(np.float64)
    return arrays, names


def from_npz(data: bytes) -> Params:
    """Params from .npz bytes, checked before anything large is read; ValueError says what is wrong.

    Every member is read to its end, so zipfile compares its CRC-32: a damaged byte in the numbers is
    found, never loaded as other weights."""
    data = _as_bytes(data, ".npz file")
    if not data:
        raise ValueError(f".npz file: the file is empty (0 bytes); {NPZ_HELP}")
    if len(data) > MAX_BYTES:
        raise ValueError(f".npz file: {len(data):,} bytes is larger than the {MAX_BYTES:,} allowed")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        detail = "" if str(e) == "File is not a zip file" else f" ({_detail(e)}: it is damaged or cut short)"
        raise ValueError(f".npz file: this is not an .npz (zip) archive{detail}; save the model with the download "
                         "button, or np.savez") from None
    except UNSUPPORTED + DAMAGED as e:
        raise ValueError(f".npz file: its zip directory is damaged ({_detail(e)}); {NPZ_HELP}") from None
    try:
        with zf:
            arrays, names = _read_npz(zf)
    except _Refused:
        raise
    except zipfile.BadZipFile as e:
        if str(e).startswith("Bad CRC-32"):
            raise ValueError(f".npz file: {str(e).removeprefix('Bad CRC-32 for file ')} fails its CRC-32 check: "
                             f"its bytes were changed after it was saved (a damaged copy or download); {NPZ_HELP}") \
                from None
        raise ValueError(f".npz file: the file is damaged ({_detail(e)}); {NPZ_HELP}") from None
    except UNSUPPORTED as e:
        raise ValueError(f".npz file: it uses a zip feature rnnviz cannot read ({_detail(e)}); {NPZ_HELP}") from None
    except (zlib.error, EOFError) as e:
        raise ValueError(f".npz file: its compressed data are corrupt or cut short ({_detail(e)}); {NPZ_HELP}") \
            from None
    except DAMAGED as e:
        raise ValueError(f".npz file: the file is damaged ({_detail(e)}); {NPZ_HELP}") from None
    except MemoryError:
        raise ValueError(".npz file: its contents are too large to read; an rnnviz model is far smaller") from None
    return _params_from(arrays, names, ".npz file")


# --------------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------------

def to_json(p: Params) -> str:
    """The parameters as JSON text: nested lists of numbers (exact: Python writes the shortest repr)."""
    doc = {"format": FORMAT, "version": VERSION, "f_s": p.f_s, "f_o": p.f_o}
    doc.update({name: a.tolist() for name, a in p.arrays().items()})
    return json.dumps(doc, allow_nan=False)


def _refuse_constant(name: str):
    raise _Refused(f"JSON file: {name} is not a number rnnviz accepts; every weight must be finite")


def _number_array(value, name: str) -> np.ndarray:
    """A float64 array from nested lists of JSON numbers (never booleans, strings, nulls or objects)."""
    def walk(v, depth):
        if isinstance(v, list):
            if depth > 2:
                raise ValueError(f"JSON file: {name} is nested too deeply; give a list (vector) or list of lists")
            for item in v:
                walk(item, depth + 1)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"JSON file: {name} must hold numbers only; found {type(v).__name__} {_short(v)}")
    if not isinstance(value, list):
        raise ValueError(f"JSON file: {name} must be a list of numbers (a vector) or of rows (a matrix); got "
                         f"{type(value).__name__} {_short(value)}")
    walk(value, 0)
    try:
        return np.array(value, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"JSON file: {name} holds a whole number too large for a float64 weight (above about "
                         "1.8e308); every weight must be a finite number") from None
    except ValueError:
        raise ValueError(f"JSON file: {name} is not a rectangular array of numbers (rows of different lengths?)") \
            from None


def _short(v) -> str:
    """A short repr of a value from the file, whatever its size."""
    return reprlib.repr(v)[:60]


def _parse_json(text: str):
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except _Refused:
        raise
    except json.JSONDecodeError as e:
        raise ValueError(f"JSON file: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ValueError("JSON file: nested too deeply to read; an rnnviz model nests lists two deep") from None
    except ValueError as e:                                              # e.g. an integer of over 4300 digits
        raise ValueError(f"JSON file: a value cannot be read ({_detail(e)}); every weight must be an ordinary "
                         "number such as 0.25") from None
    except MemoryError:
        raise ValueError("JSON file: too large to read; an rnnviz model is far smaller") from None


def from_json(text) -> Params:
    """Params from JSON text or bytes (UTF-8); ValueError says what is wrong (NaN/Infinity are refused)."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        if len(text) > MAX_BYTES:
            raise ValueError(f"JSON file: {len(text):,} bytes is larger than the {MAX_BYTES:,} allowed")
        try:
            text = bytes(text).decode("utf-8-sig")                       # a UTF-8 byte-order mark is allowed
        except UnicodeDecodeError as e:
            raise ValueError(f"JSON file: the file is not UTF-8 text (byte {e.start} is {bytes(text)[e.start]:#04x}); "
                             "is it an .npz? Save the model as JSON again with the download button") from None
    if not isinstance(text, str):
        raise ValueError(f"JSON file: give the file's text or bytes; got {type(text).__name__}")
    text = text.removeprefix("\ufeff")                                 # a byte-order mark is allowed
    if len(text) > MAX_BYTES:
        raise ValueError(f"JSON file: {len(text):,} characters is larger than the {MAX_BYTES:,} allowed")
    if not text.strip():
        raise ValueError("JSON file: the file is empty; save the model as JSON again with the download button")
    doc = _parse_json(text)
    if not isinstance(doc, dict):
        raise ValueError("JSON file: expected an object {\"W_s\": [[...]], ...}; got "
                         f"{type(doc).__name__}")
    version = doc.get("version")
    if doc.get("format") != FORMAT or isinstance(version, bool) or not isinstance(version, int) or version != VERSION:
        raise ValueError(f"JSON file: not an rnnviz model (expected \"format\": \"{FORMAT}\", \"version\": "
                         f"{VERSION}); save one with the download button")
    allowed = set(PARAM_NAMES) | set(NAME_FIELDS) | {"format", "version"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ValueError(f"JSON file: unexpected key {_short(unknown[0])}; an rnnviz model holds only "
                         f"{', '.join(sorted(allowed))}")
    missing = [n for n in PARAM_NAMES + NAME_FIELDS if n not in doc]
    if missing:
        raise ValueError(f"JSON file: missing {', '.join(missing)}")
    for name in NAME_FIELDS:
        if not isinstance(doc[name], str):
            raise ValueError(f"JSON file: {name} must be an activation name such as \"tanh\"; got {_short(doc[name])}")
    arrays = {name: _number_array(doc[name], name) for name in PARAM_NAMES}
    return _params_from(arrays, {n: doc[n] for n in NAME_FIELDS}, "JSON file")


def load(data: bytes, filename: str) -> Params:
    """Params from an uploaded file: .npz or .json by its name; ValueError saying what to fix.

    data: the file's bytes; filename: its name (str, or bytes in UTF-8), whose ending picks the format."""
    if isinstance(filename, (bytes, bytearray)):
        try:
            filename = bytes(filename).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the file name is not UTF-8 text; rename the file, e.g. model.npz or model.json") from None
    if not isinstance(filename, str):
        raise ValueError(f"give the file's name (such as model.npz), not {type(filename).__name__}")
    try:
        filename.encode("utf-8")
    except UnicodeEncodeError:                                           # undecodable bytes kept as surrogates
        raise ValueError("the file name is not UTF-8 text; rename the file, e.g. model.npz or model.json") from None
    lower = filename.lower()
    if lower.endswith(".npz"):
        return from_npz(data)
    if lower.endswith(".json"):
        return from_json(data)
    raise ValueError(f"{_short(filename)}: the name must end in .npz or .json; choose a .npz or .json file saved "
                     "by rnnviz (its download button writes both)")
