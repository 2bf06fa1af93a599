"""Save and load Params as a file: .npz (numpy's zip of .npy arrays, never pickles) or JSON.

    data = to_npz(p)              # bytes: W_s.npy, b_s.npy, W_o.npy, b_o.npy, s0.npy, f_s.npy, f_o.npy
    p    = from_npz(data)         # ValueError saying what is wrong with the file
    text = to_json(p)             # {"format": "rnnviz-params", "version": 1, "f_s": ..., "W_s": [[...]], ...}
    p    = from_json(text)
    p    = load(data, filename)   # by the file's ending (.npz or .json)

Both round-trip exactly (float64 to float64; JSON writes each number's shortest exact repr). Loading
treats the file as untrusted: anything above MAX_BYTES (the file, a JSON text, or an array's declared
size) is refused before it is read into memory; an .npz member is checked from its zip entry (declared
uncompressed size) and its .npy header (dtype, shape) before any array data are expanded, so a small
compressed file cannot unpack into gigabytes. Object arrays (pickles), unknown or missing names, wrong
shapes, NaN and inf are refused. Numpy and the standard library only.
"""
import io
import json
import zipfile

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


def _read_header(f, member: str):
    """(shape, dtype) from an .npy stream's header; ValueError if it is not a valid .npy header."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except ValueError as e:
        raise ValueError(f".npz file: {member} is not a valid .npy array ({e})") from None
    return shape, dtype, fortran


def from_npz(data: bytes) -> Params:
    """Params from .npz bytes, checked before anything large is read; ValueError says what is wrong."""
    if len(data) > MAX_BYTES:
        raise ValueError(f".npz file: {len(data):,} bytes is larger than the {MAX_BYTES:,} allowed")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(".npz file: this is not an .npz (zip) archive; save the model with the download "
                         "button, or np.savez") from None
    wanted = set(PARAM_NAMES) | set(NAME_FIELDS)
    members = {}
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name not in wanted:
            raise ValueError(f".npz file: unexpected entry {info.filename!r}; an rnnviz model holds only "
                             f"{', '.join(n + '.npy' for n in sorted(wanted))}")
        if name in members:
            raise ValueError(f".npz file: {info.filename!r} appears twice")
        if info.file_size > MAX_BYTES:                                   # the declared size, before expanding
            raise ValueError(f".npz file: {info.filename} declares {info.file_size:,} bytes uncompressed, more "
                             f"than the {MAX_BYTES:,} allowed; it is refused without unpacking it")
        members[name] = info
    missing = [n for n in PARAM_NAMES + NAME_FIELDS if n not in members]
    if missing:
        raise ValueError(f".npz file: missing {', '.join(missing)}; an rnnviz model needs "
                         f"{', '.join(PARAM_NAMES + NAME_FIELDS)}")
    arrays, names = {}, {}
    for name, info in members.items():
        with zf.open(info) as f:
            shape, dtype, fortran = _read_header(f, info.filename)
            if dtype.hasobject:
                raise ValueError(f".npz file: {info.filename} holds Python objects (a pickle); rnnviz loads "
                                 "numbers and names only, never pickles")
            kind = "U" if name in NAME_FIELDS else "f"
            if name in NAME_FIELDS and (dtype.kind != "U" or shape != ()):
                raise ValueError(f".npz file: {name} must be a single string such as 'tanh'; got dtype {dtype}, "
                                 f"shape {shape}")
            if kind == "f" and dtype.kind not in "fiu":
                raise ValueError(f".npz file: {name} must hold real numbers (float64); got dtype {dtype}")
            n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if n_bytes > MAX_BYTES:                                      # the header's size, before reading data
                raise ValueError(f".npz file: {name} declares shape {shape} ({n_bytes:,} bytes), more than the "
                                 f"{MAX_BYTES:,} allowed")
            raw = f.read(n_bytes + 1)                                    # at most one byte more than declared
        if len(raw) != n_bytes:
            raise ValueError(f".npz file: {name} holds {len(raw):,} bytes of data where its header declares "
                             f"{n_bytes:,}; the file is damaged")
        a = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
        if name in NAME_FIELDS:
            names[name] = str(a[()])
        else:
            arrays[name] = a.astype(np.float64)
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
    raise ValueError(f"JSON file: {name} is not a number rnnviz accepts; every weight must be finite")


def _number_array(value, name: str) -> np.ndarray:
    """A float64 array from nested lists of JSON numbers (never booleans, strings or nulls)."""
    def walk(v, depth):
        if isinstance(v, list):
            if depth > 2:
                raise ValueError(f"JSON file: {name} is nested too deeply; give a list (vector) or list of lists")
            for item in v:
                walk(item, depth + 1)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"JSON file: {name} must hold numbers only; found {type(v).__name__} {v!r:.40}")
    walk(value, 0)
    try:
        return np.array(value, dtype=np.float64)
    except (ValueError, OverflowError):
        raise ValueError(f"JSON file: {name} is not a rectangular array of numbers (rows of different lengths?)") \
            from None


def from_json(text) -> Params:
    """Params from JSON text or bytes; ValueError says what is wrong (NaN/Infinity are refused)."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_BYTES:
            raise ValueError(f"JSON file: {len(text):,} bytes is larger than the {MAX_BYTES:,} allowed")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("JSON file: the file is not UTF-8 text; is it an .npz?") from None
    if len(text) > MAX_BYTES:
        raise ValueError(f"JSON file: {len(text):,} characters is larger than the {MAX_BYTES:,} allowed")
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"JSON file: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ValueError("JSON file: nested too deeply") from None
    if not isinstance(doc, dict):
        raise ValueError("JSON file: expected an object {\"W_s\": [[...]], ...}; got "
                         f"{type(doc).__name__}")
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError(f"JSON file: not an rnnviz model (expected \"format\": \"{FORMAT}\", \"version\": "
                         f"{VERSION}); save one with the download button")
    allowed = set(PARAM_NAMES) | set(NAME_FIELDS) | {"format", "version"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ValueError(f"JSON file: unexpected key {unknown[0]!r}; an rnnviz model holds only "
                         f"{', '.join(sorted(allowed))}")
    missing = [n for n in PARAM_NAMES + NAME_FIELDS if n not in doc]
    if missing:
        raise ValueError(f"JSON file: missing {', '.join(missing)}")
    for name in NAME_FIELDS:
        if not isinstance(doc[name], str):
            raise ValueError(f"JSON file: {name} must be an activation name such as \"tanh\"; got {doc[name]!r:.40}")
    arrays = {name: _number_array(doc[name], name) for name in PARAM_NAMES}
    return _params_from(arrays, {n: doc[n] for n in NAME_FIELDS}, "JSON file")


def load(data: bytes, filename: str) -> Params:
    """Params from an uploaded file: .npz or .json by its name; ValueError saying what to fix."""
    lower = filename.lower()
    if lower.endswith(".npz"):
        return from_npz(data)
    if lower.endswith(".json"):
        return from_json(data)
    raise ValueError(f"{filename!r}: choose a .npz or .json file saved by rnnviz")
