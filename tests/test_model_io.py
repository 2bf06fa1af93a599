"""Saving and loading Params: exact round trips, and every malformed file refused with a message."""
import io
import json
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnviz as rv
from rnnviz import model_io


@pytest.fixture
def p():
    rng = np.random.default_rng(0)
    q = rv.init_params(3, 4, 2, f_s="relu", f_o="softmax", seed=1)
    return q.replace(b_s=rng.standard_normal(4) / 3, s0=rng.standard_normal(4) * 1e-300, b_o=[1e300, -np.pi])


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def good_members(p):
    return dict(**p.arrays(), f_s=np.array(p.f_s), f_o=np.array(p.f_o))


def test_npz_round_trip_is_exact(p):
    q = model_io.from_npz(model_io.to_npz(p))
    assert q.equals(p)
    assert model_io.load(model_io.to_npz(p), "model.NPZ").equals(p)


def test_json_round_trip_is_exact(p):
    text = model_io.to_json(p)
    assert model_io.from_json(text).equals(p)
    assert model_io.from_json(text.encode()).equals(p)
    assert model_io.load(text.encode(), "m.json").equals(p)
    assert json.loads(text)["format"] == "rnnviz-params"


def test_compressed_npz_loads(p):
    buf = io.BytesIO()
    np.savez_compressed(buf, **good_members(p))
    assert model_io.from_npz(buf.getvalue()).equals(p)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.pop("W_o"), "missing W_o"),
    (lambda m: m.update(extra=np.zeros(2)), "unexpected entry 'extra.npy'"),
    (lambda m: m.update(W_s=np.zeros((5, 5))), "W_o must be"),
    (lambda m: m.update(b_s=np.zeros(3)), "b_s must have shape"),
    (lambda m: m.update(W_o=np.full((4, 2), np.nan)), "NaN or inf"),
    (lambda m: m.update(b_o=np.array([1.0, np.inf])), "NaN or inf"),
    (lambda m: m.update(f_s=np.array("swish")), "unknown activation 'swish'"),
    (lambda m: m.update(f_s=np.array(3.0)), "f_s must be a single string"),
    (lambda m: m.update(W_s=np.array([["a"] * 4] * 7)), "W_s must hold real numbers"),
    (lambda m: m.update(W_s=np.zeros((7, 4), complex)), "W_s must hold real numbers"),
])
def test_malformed_npz_is_refused(p, change, message):
    members = good_members(p)
    change(members)
    with pytest.raises(ValueError, match=message):
        model_io.from_npz(npz_bytes(**members))


def test_pickled_object_array_is_refused_unread(p, monkeypatch):
    members = good_members(p)
    members["W_s"] = np.array([{"evil": 1}, None], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **members, allow_pickle=True)                                  # an .npz holding a pickle
    monkeypatch.setattr("pickle.loads", lambda *a, **k: pytest.fail("a pickle was read"))
    with pytest.raises(ValueError, match="Python objects"):
        model_io.from_npz(buf.getvalue())


def test_huge_declared_member_is_refused_before_expanding(p):
    """A small deflated member that would expand to 64 MB: refused from its zip entry, never unpacked."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, a in good_members(p).items():
            if name != "W_s":
                with zf.open(f"{name}.npy", "w") as f:
                    np.lib.format.write_array(f, a)
        with zf.open("W_s.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (7, 4)})
            chunk = bytes(1 << 20)
            for _ in range(64):
                f.write(chunk)
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(ValueError, match="declares 67,108,9.. bytes uncompressed"):
        model_io.from_npz(data)


def test_huge_shape_in_header_is_refused_before_reading(p):
    """A member whose zip entry is small but whose .npy header claims a huge array."""
    members = good_members(p)
    raw = io.BytesIO()
    np.lib.format.write_array_header_1_0(raw, {"descr": "<f8", "fortran_order": False, "shape": (100_000, 100_000)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, a in members.items():
            if name == "W_s":
                zf.writestr("W_s.npy", raw.getvalue())
            else:
                with zf.open(f"{name}.npy", "w") as f:
                    np.lib.format.write_array(f, a)
    with pytest.raises(ValueError, match=r"W_s declares shape \(100000, 100000\)"):
        model_io.from_npz(buf.getvalue())


def test_truncated_member_and_not_a_zip(p):
    members = good_members(p)
    raw = io.BytesIO()
    np.lib.format.write_array(raw, members["W_s"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, a in members.items():
            zf.writestr(f"{name}.npy", raw.getvalue()[:-8] if name == "W_s" else _npy(a))
    with pytest.raises(ValueError, match="damaged"):
        model_io.from_npz(buf.getvalue())
    with pytest.raises(ValueError, match="not an .npz"):
        model_io.from_npz(b"hello, this is text")
    with pytest.raises(ValueError, match="larger than"):
        model_io.from_npz(bytes(model_io.MAX_BYTES + 1))
    with pytest.raises(ValueError, match="choose a .npz or .json"):
        model_io.load(b"", "model.pkl")


def _npy(a) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, a)
    return f.getvalue()


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("b_s"), "missing b_s"),
    (lambda d: d.update(extra=1), "unexpected key 'extra'"),
    (lambda d: d.update(format="keras"), "not an rnnviz model"),
    (lambda d: d.update(W_o=[[1.0, 2.0]] * 3), "W_o must be"),
    (lambda d: d.update(W_s=[[1.0, 2.0], [3.0]]), "not a rectangular array"),
    (lambda d: d.update(b_s=["1", "2", "3", "4"]), "numbers only"),
    (lambda d: d.update(b_s=[True, False, 1.0, 2.0]), "numbers only"),
    (lambda d: d.update(b_s=[None, 1.0, 1.0, 1.0]), "numbers only"),
    (lambda d: d.update(f_o=7), "f_o must be an activation name"),
    (lambda d: d.update(b_o=[[[[1.0]]]]), "nested too deeply"),
])
def test_malformed_json_is_refused(p, change, message):
    doc = json.loads(model_io.to_json(p))
    change(doc)
    with pytest.raises(ValueError, match=message):
        model_io.from_json(json.dumps(doc))


def test_json_nan_infinity_and_garbage_are_refused(p):
    text = model_io.to_json(p)
    doc = json.loads(text)
    doc["b_o"] = ["BAD", 1.0]
    for bad in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError, match="not a number rnnviz accepts"):
            model_io.from_json(json.dumps(doc).replace('"BAD"', bad))
    with pytest.raises(ValueError, match="NaN or inf"):
        model_io.from_json(text.replace("1e+300", "1e+400"))                    # overflows to inf when parsed
    with pytest.raises(ValueError, match="not valid JSON"):
        model_io.from_json("{ W_s: 1 }")
    with pytest.raises(ValueError, match="not UTF-8"):
        model_io.from_json(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="expected an object"):
        model_io.from_json("[1, 2]")


# ---- damaged and unusual files: always a ValueError that says what is wrong, never other numbers ---------
# Each case starts from a real saved model and damages it the way a disk, a download or another zip tool can.

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"


@pytest.fixture
def small():
    return rv.init_params(2, 3, 1, f_s="tanh", seed=0)


def compressed_npz(p) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **good_members(p))
    return buf.getvalue()


def headers(data: bytes, member: str) -> tuple:
    """(offset of the member's local header, offset of its central directory entry, offset of its data)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    local = info.header_offset
    assert data[local: local + 4] == LOCAL
    name_len, extra_len = struct.unpack("<HH", data[local + 26: local + 30])
    central = data.index(CENTRAL)
    while True:                                                   # the central entry that names this member
        n = struct.unpack("<H", data[central + 28: central + 30])[0]
        if data[central + 46: central + 46 + n] == member.encode():
            break
        central = data.index(CENTRAL, central + 4)
    return local, central, local + 30 + name_len + extra_len


def put(data: bytes, offset: int, fmt: str, value) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def refused(data: bytes, match: str | None = None) -> str:
    with pytest.raises(ValueError, match=match) as e:
        model_io.load(data, "model.npz")
    return str(e.value)


def refused_or_same(data: bytes, p) -> None:
    """A byte zipfile does not rely on may change: then the file loads as it was saved, or not at all."""
    try:
        q = model_io.load(data, "model.npz")
    except ValueError:
        return
    assert q.equals(p)


@pytest.mark.parametrize("compressed", [False, True])
def test_every_flipped_byte_is_refused_or_changes_nothing(small, compressed):
    """Flip each byte of a saved file in turn: ValueError, or exactly the saved weights (a byte zipfile does not
    read, such as a time stamp). A byte in the stored numbers fails the member's CRC-32."""
    data = compressed_npz(small) if compressed else model_io.to_npz(small)
    numbers = set()
    if not compressed:
        for name, a in good_members(small).items():
            _, _, start = headers(data, f"{name}.npy")
            end = start + len(_npy(a))
            numbers.update(range(end - a.nbytes, end))            # the array's bytes after its .npy header
    outcomes = {"refused": 0, "unchanged": 0}
    for i in range(len(data)):
        for bit in (0xFF, 0x01):
            damaged = bytearray(data)
            damaged[i] ^= bit
            try:
                q = model_io.load(bytes(damaged), "model.npz")
            except ValueError as e:
                outcomes["refused"] += 1
                if i in numbers:
                    assert "CRC-32" in str(e), (i, str(e))
                continue
            assert q.equals(small), f"byte {i} ^ {bit:#x} loaded other weights"
            assert i not in numbers
            outcomes["unchanged"] += 1
    assert outcomes["refused"] > len(data)                       # most bytes matter


def test_a_changed_number_fails_the_checksum(small):
    data = model_io.to_npz(small)
    _, _, start = headers(data, "W_s.npy")
    end = start + len(_npy(small.W_s))
    damaged = put(data, end - 8, "<d", 0.5)                       # the last weight, a valid float64
    assert refused(damaged, "W_s.npy.*fails its CRC-32 check")


def test_every_truncation_and_the_empty_file_are_refused(small):
    data = model_io.to_npz(small)
    for n in range(len(data)):
        refused(data[:n])
    assert "empty" in refused(b"")


@pytest.mark.parametrize("member", ["W_s.npy", "f_o.npy"])
def test_an_encrypted_member_is_refused(small, member):
    data = model_io.to_npz(small)
    local, central, _ = headers(data, member)
    flags = struct.unpack("<H", data[local + 6: local + 8])[0]
    data = put(put(data, local + 6, "<H", flags | 0x1), central + 8, "<H", flags | 0x1)
    assert "password" in refused(data, f"{member} is encrypted")


@pytest.mark.parametrize("method, name", [(99, "unknown"), (14, "LZMA"), (12, "bzip2"), (9, "deflate64"),
                                          (6, "implode")])
def test_a_compression_method_rnnviz_does_not_read_is_refused(small, method, name):
    data = model_io.to_npz(small)
    local, central, _ = headers(data, "b_s.npy")
    data = put(put(data, local + 8, "<H", method), central + 10, "<H", method)
    assert "np.savez" in refused(data, rf"b_s.npy is compressed with method {method} \({name}\)")


def test_a_real_bzip2_member_is_refused(small):
    pytest.importorskip("bz2")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_BZIP2) as zf:
        for name, a in good_members(small).items():
            zf.writestr(f"{name}.npy", _npy(a))
    refused(buf.getvalue(), r"compressed with method 12 \(bzip2\)")


def test_corrupt_deflated_data_is_refused(small):
    """zlib cannot inflate the member (an invalid block type): ValueError, not zlib.error."""
    data = compressed_npz(small)
    _, _, start = headers(data, "W_s.npy")
    damaged = put(data, start, "B", 0xFF)                         # BTYPE = 3: not a deflate block
    assert "zlib" in refused(damaged, "compressed data are corrupt")
    tail = put(data, start + 20, "<I", 0xDEADBEEF)                # damage further in: zlib or the CRC-32 finds it
    refused(tail, "corrupt|CRC-32")


@pytest.mark.parametrize("field, offset, change", [
    ("file_size", 24, -1), ("file_size", 24, +1), ("file_size", 24, +4096),
    ("compress_size", 20, -1), ("compress_size", 20, +1000),
    ("CRC-32", 16, +1), ("local header offset", 42, +1), ("local header offset", 42, -1),
    ("local header offset", 42, +10**6),
])
@pytest.mark.parametrize("compressed", [False, True])
def test_a_central_directory_that_lies_is_refused(small, field, offset, change, compressed):
    data = compressed_npz(small) if compressed else model_io.to_npz(small)
    _, central, _ = headers(data, "W_o.npy")
    value = struct.unpack("<I", data[central + offset: central + offset + 4])[0]
    lying = put(data, central + offset, "<I", max(value + change, 0))
    if compressed and field == "compress_size":                   # zlib stops at the stream's own end marker
        refused_or_same(lying, small)
    else:
        assert "damaged" in refused(lying)


def test_a_central_entry_pointing_at_another_member_is_refused(small):
    data = model_io.to_npz(small)
    first, _, _ = headers(data, "W_s.npy")
    _, central, _ = headers(data, "b_o.npy")
    refused(put(data, central + 42, "<I", first), "damaged")      # the names in the two headers differ


def test_a_wrong_directory_offset_is_refused(small):
    data = model_io.to_npz(small)
    eocd = data.rindex(b"PK\x05\x06")
    for value in (0, 1, len(data), 2**32 - 1):
        refused(put(data, eocd + 16, "<I", value))               # where the central directory starts
    refused_or_same(put(data, eocd + 10, "<H", 0), small)       # the entry count (zipfile reads the entries)
    refused_or_same(put(data, eocd + 20, "<H", 5), small)       # a comment longer than the file has


@pytest.mark.parametrize("data", ["text, not bytes", None, 3.0])
def test_contents_that_are_not_bytes_are_refused(data):
    with pytest.raises(ValueError, match="bytes"):
        model_io.from_npz(data)


def test_json_damage_is_refused_with_a_message(small):
    text = model_io.to_json(small)
    raw = text.encode()
    with pytest.raises(ValueError, match="not UTF-8 text .byte 10 is 0xff"):
        model_io.load(raw[:10] + b"\xff" + raw[10:], "model.json")
    with pytest.raises(ValueError, match="not UTF-8"):
        model_io.load(raw[:-3] + b"\xc3", "model.json")             # a multi-byte character cut short
    with pytest.raises(ValueError, match="nested too deeply"):
        model_io.from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        model_io.from_json(text.replace('"b_s": [', '"b_s": [' + "[" * 5000, 1))
    with pytest.raises(ValueError, match="empty"):
        model_io.load(b"", "model.json")
    with pytest.raises(ValueError, match="not valid JSON"):
        model_io.load(raw[: len(raw) // 2], "model.json")          # cut short
    assert model_io.load(b"\xef\xbb\xbf" + raw, "model.json").equals(small)     # a byte-order mark is fine


@pytest.mark.parametrize("number, match", [("1e999", "NaN or inf"), ("-1e999", "NaN or inf"),
                                           ("1" + "0" * 400, "too large for a float64"),
                                           ("1" + "0" * 5000, "cannot be read")])
def test_json_numbers_beyond_float64_are_refused(small, number, match):
    doc = json.loads(model_io.to_json(small))
    doc["b_o"] = ["HUGE"]
    with pytest.raises(ValueError, match=match):
        model_io.from_json(json.dumps(doc).replace('"HUGE"', number))


@pytest.mark.parametrize("value", [5, 2.5, True, None, "abc", {"a": 1}])
def test_json_values_that_are_not_lists_are_refused(small, value):
    doc = json.loads(model_io.to_json(small))
    doc["W_s"] = value
    with pytest.raises(ValueError, match="W_s must be a list of numbers"):
        model_io.from_json(json.dumps(doc))


@pytest.mark.parametrize("version", [True, 1.0, "1", None])
def test_json_version_must_be_the_number_1(small, version):
    doc = json.loads(model_io.to_json(small))
    doc["version"] = version
    with pytest.raises(ValueError, match="not an rnnviz model"):
        model_io.from_json(json.dumps(doc))


@pytest.mark.parametrize("filename, match", [
    ("model\udcff.npz", "not UTF-8"), (b"model\xff.npz", "not UTF-8"), (None, "file's name"),
    ("model.pkl", "must end in .npz or .json"), ("model", "must end in .npz or .json"),
    ("model.npz.txt", "must end in .npz or .json")])
def test_file_names_are_checked(small, filename, match):
    with pytest.raises(ValueError, match=match):
        model_io.load(model_io.to_npz(small), filename)


def test_a_utf8_file_name_in_bytes_loads(small):
    assert model_io.load(model_io.to_npz(small), "modèle.npz".encode()).equals(small)


@settings(max_examples=300, deadline=None)
@given(changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10**6)), compressed=st.booleans())
def test_random_damage_is_refused_or_changes_nothing(changes, cut, compressed):
    p = rv.init_params(2, 3, 1, f_s="tanh", seed=0)
    data = bytearray(compressed_npz(p) if compressed else model_io.to_npz(p))
    for where, value in changes:
        data[where % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data)]
    refused_or_same(bytes(data), p)
