"""Bad input on the pages (AppTest): damaged uploads, typed text past the size caps, an empty sequence; each gets
a clear message and leaves everything else as it was. (Control characters in links are refused by the settings
table: tests/test_settings.py; typed labels reach the stepper's diagram as text: tests/browser.)"""
import io
import struct
import zipfile

import pytest

import rnnviz as rv
from apptest_util import open_page
from rnnviz import model_io
from rnnviz.ui import LIMITS


def flip(data: bytes, offset: int) -> bytes:
    out = bytearray(data)
    out[offset] ^= 0xFF
    return bytes(out)


def patch_headers(data: bytes, local_at: int, central_at: int, change) -> bytes:
    """Every local and central zip header's 16-bit field at that offset, replaced by change(old)."""
    out = bytearray(data)
    for magic, at in ((b"PK\x03\x04", local_at), (b"PK\x01\x02", central_at)):
        start = 0
        while (k := data.find(magic, start)) >= 0:
            struct.pack_into("<H", out, k + at, change(struct.unpack_from("<H", out, k + at)[0]))
            start = k + 4
    return bytes(out)


def set_flag(data: bytes, bit: int) -> bytes:
    """Set a general-purpose flag bit (bit 0: encrypted)."""
    return patch_headers(data, 6, 8, lambda flags: flags | (1 << bit))


def set_method(data: bytes, method: int) -> bytes:
    return patch_headers(data, 8, 10, lambda _: method)


def lying_size(data: bytes) -> bytes:
    """The first central directory entry declares one byte fewer than its member holds."""
    out = bytearray(data)
    k = data.find(b"PK\x01\x02")
    size = struct.unpack_from("<I", out, k + 24)[0]
    struct.pack_into("<I", out, k + 24, size - 1)
    return bytes(out)


def compressed(p) -> bytes:
    """The model's .npz with its members deflated (as np.savez_compressed writes them)."""
    source = zipfile.ZipFile(io.BytesIO(model_io.to_npz(p)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in source.infolist():
            zf.writestr(info.filename, source.read(info))
    return buf.getvalue()


TASK_MODEL = rv.init_params(2, 5, 3, f_s="tanh", f_o="softmax", seed=4)        # parity modulo 3, H = 5
GOOD = model_io.to_npz(TASK_MODEL)
DEFLATED = compressed(TASK_MODEL)
DAMAGED = {
    "a flipped byte in the numbers": flip(GOOD, GOOD.find(b"\x93NUMPY") + 128 + 3),   # inside W_s's float data
    "a flipped byte in an array header": flip(GOOD, GOOD.find(b"\x93NUMPY") + 12),
    "an encrypted member": set_flag(GOOD, 0),
    "an unknown compression method": set_method(GOOD, 99),
    "corrupt deflated data": flip(DEFLATED, DEFLATED.find(b"PK\x03\x04", 10) - 20),
    "a header that lies about a size": lying_size(GOOD),
    "a cut file": GOOD[: len(GOOD) // 2],
    "an empty file": b"",
    "not a zip at all": b"\x00" * 300,
}


@pytest.mark.parametrize("what", list(DAMAGED))
def test_a_damaged_upload_is_a_message_and_the_model_stays(what):
    at = open_page("train")
    at.button(key="train_one").click().run()                              # a model the student has trained
    before = at.session_state["train_trainer"]
    weights = before.params
    at.file_uploader(key="train_upload").upload("model.npz", DAMAGED[what], "application/octet-stream").run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "` model.npz ` was not loaded, and nothing changed" in errors, what
    after = at.session_state["train_trainer"]
    assert after is before and after.updates == 1 and after.params.equals(weights)
    downloads = [b for b in at.get("download_button") if b.key == "train_download_npz"]
    assert downloads and not downloads[0].proto.disabled                  # the download still offers the model
    assert model_io.from_npz(model_io.to_npz(after.params)).equals(weights)


def test_a_good_upload_after_a_damaged_one_loads():
    at = open_page("train")
    at.file_uploader(key="train_upload").upload("bad.npz", DAMAGED["an encrypted member"],
                                                "application/octet-stream").run()
    at.file_uploader(key="train_upload").upload("good.npz", GOOD, "application/octet-stream").run()
    assert not at.exception
    assert at.session_state["train_trainer"].params.equals(TASK_MODEL)


def test_typed_text_with_too_many_distinct_characters_is_held_to_the_input_cap():
    at = open_page("step")
    text = "".join(chr(ord("A") + k) for k in range(LIMITS["I"] + 8))    # 40 distinct characters
    at.selectbox(key="sequence_preset").set_value("typed text").run()
    at.text_input(key="sequence_text").set_value(text).run()
    assert not at.exception
    assert any(f"at most I = {LIMITS['I']}" in w.value for w in at.warning)
    assert at.session_state["model"]["I"] <= LIMITS["I"]
    at.run()
    reopened = open_page("step")                                          # its link still opens
    assert not reopened.exception


def test_typed_text_within_the_cap_sets_the_input_size():
    at = open_page("step")
    at.selectbox(key="sequence_preset").set_value("typed text").run()
    at.text_input(key="sequence_text").set_value("abcab").run()
    assert not at.exception and at.session_state["model"]["I"] == 3


@pytest.mark.parametrize("page", ["step", "bptt"])
def test_no_steps_at_all_is_a_message(page):
    at = open_page(page)
    at.number_input(key="sequence_T").set_value(0).run()
    at.number_input(key="sequence_pads").set_value(0).run()
    assert not at.exception
    assert any("no steps at all" in w.value for w in at.warning)
    at.number_input(key="sequence_T").set_value(3).run()                 # and it comes back
    assert not at.exception and not any("no steps at all" in w.value for w in at.warning)


@pytest.mark.parametrize("page", ["step", "bptt", "padding"])
def test_all_pads_works(page):
    at = open_page(page)
    if page == "padding":
        for b in range(4):
            at.number_input(key=f"padding_lengths_{b}").set_value(0).run()
    else:
        at.number_input(key="sequence_T").set_value(0).run()
    assert not at.exception
