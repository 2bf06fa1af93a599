"""Saving and loading Params: exact round trips, and every malformed file refused with a message."""
import io
import json
import zipfile

import numpy as np
import pytest

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
