"""Every guided lesson's claim, computed from the core at the lesson's own settings: if the text would lie, a test
fails. The model and the sequence are built as the app builds them: the lesson's query through the settings
table (parse_query), ModelSettings(...).init(), presets.make_sequence with the input seed, the BPTT page's
rescaling to ρ and its objective."""
import urllib.parse

import numpy as np
import pytest

import rnnviz as rv
from rnnviz import batching, bptt, dynamics, influence, presets
from rnnviz.gradcheck import relative_error
from rnnviz.ui import PAGES
from rnnviz.ui import settings as table
from rnnviz.ui.lessons import LAST_LINK, LESSONS
from rnnviz.ui.model import ModelSettings


def lesson_settings(name: str, **changes) -> dict:
    """{setting name: value}: the table's defaults, then the lesson's link fields, then `changes` (link fields
    as a student would change them, e.g. rho="1.5")."""
    values, problems = table.parse_query({**LESSONS[name].query, **changes})
    assert not problems, problems
    return {**{row.name: row.default for row in table.ROWS}, **values}


def group(values: dict, name: str) -> dict:
    return {row.key: values[row.name] for row in table.ROWS if row.group == name}


def model(values: dict):
    """The parameters the BPTT page differentiates (the sidebar's model, rescaled to ρ when the toggle is on)."""
    p = ModelSettings(**group(values, "model")).init()
    if values["bptt_rescale"]:
        p = dynamics.scale_to_spectral_radius(p, values["bptt_rho"])
    return p


def sequence(values: dict, I: int):
    """(inputs (1, T + pads, I), lengths) of the sidebar's sequence, as rnnviz.ui.sequence makes it."""
    s = group(values, "sequence")
    seq = presets.make_sequence(s["preset"], I, s["T"], s["text"], s["digits"], seed=s["seed"])
    x = np.concatenate([seq.inputs, np.zeros((s["pads"], I))])[None]
    return x, np.array([seq.inputs.shape[0]])


def run(name: str, **changes):
    """(p, inputs, lengths, trace, grads, objective) of a lesson, changed as given."""
    values = lesson_settings(name, **changes)
    p = model(values)
    x, lengths = sequence(values, p.input_size)
    objective = bptt.Objective(values["bptt_objective"], k=values["bptt_k"])
    tr = rv.forward(p, x, lengths)
    g = rv.backward(p, tr, objective(tr.output)[1])
    return p, x, lengths, tr, g, objective


def gradient_to_s0(name: str, **changes) -> float:
    """||dL/ds^0|| / ||dL/ds^T||: how much of the gradient at the last state reaches the first."""
    norms = dynamics.gradient_norms_over_time(run(name, **changes)[4])
    return norms[0] / norms[-1]


# ---- the chain ------------------------------------------------------------------------------------------------

def test_every_lesson_has_a_check_a_question_and_a_next_lesson():
    assert set(LESSONS) == set(CHECKS)
    seen, name = [], "unrolled"
    while name is not None:                                        # one chain through every lesson, no loops
        assert name not in seen
        seen.append(name)
        name = LESSONS[name].next
    assert sorted(seen) == sorted(LESSONS)
    for key, lesson in LESSONS.items():
        assert lesson.page in PAGES
        assert lesson.question.endswith("?")
        tail = lesson.caption.rsplit("**Next:**", 1)[1]
        href = tail[tail.index("](") + 2:-1]
        if lesson.next is None:
            assert href == LAST_LINK[1] and LAST_LINK[1].removeprefix("./") == PAGES["train"].url_path
        else:
            assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query) == {"lesson": [lesson.next]}
        assert lesson.claim in lesson.caption and lesson.question in lesson.caption


def test_the_old_lesson_names_still_work():
    for name in ("unrolled", "pads", "masking", "bptt", "vanishing", "exploding", "learned-s0"):
        assert name in LESSONS


# ---- one check per lesson ----------------------------------------------------------------------------------

def check_unrolled():
    p, x, lengths, tr, g, _ = run("unrolled")
    T = int(lengths[0])
    # the diagram's W_s / W_i arrow labels are checked in the browser: tests/browser/test_browser_stepper.py
    f_s = rv.activations.get(p.f_s)
    for t in range(1, T + 1):                                       # each column from the one before and i^t
        z = np.concatenate([tr.states[0, t - 1], x[0, t - 1]]) @ p.W_s + p.b_s
        np.testing.assert_allclose(tr.states[0, t], f_s.forward(z), rtol=1e-14, atol=1e-15)


def check_pads():
    p, x, lengths, tr, g, _ = run("pads")
    assert int(lengths[0]) == 4 and x.shape[1] == 7                 # steps 5 to 7 are pads
    for t in (5, 6, 7):
        assert np.array_equal(tr.states[0, t], tr.states[0, 4])     # s^4 .. s^7 identical
    alone = rv.forward(p, x[:, :4], [4])
    assert np.array_equal(alone.output, tr.output)                  # exactly the output of the 4 real steps


def check_masking():
    values = lesson_settings("masking")
    p = batching.add_bias(ModelSettings(**group(values, "model")).init(), values["padding_bias"])
    B = values["padding_B"]
    lengths = np.array(values["padding_lengths"][:B])
    seqs = batching.random_batch(lengths, p.input_size, seed=values["sequence_seed"])
    inputs, n = batching.padded(seqs, values["padding_extra"])
    demo = batching.pad_demo(p, inputs, n)
    T = inputs.shape[1]
    tabs = table.BY_NAME["padding_tab"].choices
    assert values["padding_tab"] == tabs[1] == "The states, with and without the mask"   # Left and Right: its charts
    assert tabs[2:] == ("The proof", "Two ways to make minibatches")   # the tabs the claim names next
    for b, L in enumerate(lengths):                                # masked: flat after its own length
        assert all(np.array_equal(demo.masked.states[b, t], demo.masked.states[b, L]) for t in range(L, T + 1))
    short = lengths == 3
    assert short.sum() == 2 and (lengths[~short] == T).all()        # two of length 3, the others have no pads
    assert (demo.unmasked_state_diff[short] > 1e-3).all()           # the two short ones drift without the mask
    assert (demo.unmasked_state_diff[~short] == 0).all()            # those without pads do not change
    assert demo.alone_identical.all()                               # 'The proof': each exactly as alone
    costs = batching.strategy_costs(seqs, T)
    assert costs.n_buckets == 2 and sorted(costs.bucket_sizes) == [2, 2]    # the last tab: 2 groups of 2


def check_bptt():
    p, x, lengths, tr, g, objective = run("bptt")
    per_step = g.step_element("W_s", 0, 0)
    assert per_step[0] == 0.0 and not p.s0.any()                    # the copy at step 1 multiplies s^0 = 0
    assert g.step_element("W_s", p.state_size, 0)[0] != 0.0         # W_i00's first bar is not 0 (the question)
    for label, param, index in bptt.proof_elements(p, "W_s00", (0, 0)):
        fd = bptt.element_finite_difference(p, x, lengths, objective, param, index)
        total = getattr(g, param)[index]
        assert relative_error(total, fd) < 1e-8, label              # at least 8 significant digits
        if param in ("W_s", "b_s"):
            assert relative_error(g.step_element(param, *index).sum(), fd) < 1e-8, label


def check_derivation():
    p, x, lengths, tr, g, _ = run("derivation")
    T = x.shape[1]
    assert T == 3 and p.state_size == 2
    u = bptt.unfold_element(p, tr, g, 0, 0)
    for n in range(T + 1):                                          # every level: terms + rest = backward()
        assert u["term"][T - n:].sum() + u["rest"][n] == pytest.approx(g.W_s[0, 0], rel=1e-12, abs=1e-15)
    assert u["rest"][T] == 0.0                                      # after 3 steps nothing is left
    assert len({round(r, 12) for r in u["rest"]}) > 1               # the part not unfolded changes


def check_vanishing():
    _, _, _, _, g, _ = run("vanishing")
    norms = dynamics.gradient_norms_over_time(g)
    assert (np.diff(norms) > 0).all()                               # falls at every step back
    assert norms[0] / norms[-1] < 1e-10                             # more than 10^10 times smaller at s^0
    assert 0.1 < gradient_to_s0("vanishing", rho="1.0") < 10        # within a factor of 10 at rho = 1
    assert gradient_to_s0("vanishing", rho="1.5") > 1e6             # more than a million times larger at 1.5


def check_saturation():
    _, _, _, tr, g, _ = run("saturation")
    assert 0.35 < dynamics.saturation(tr).mean() < 0.65             # about half of the units saturated
    assert gradient_to_s0("saturation") < 1e-10                     # still vanishes
    assert gradient_to_s0("saturation", f_s="identity") > 1e15     # the same rho explodes without saturation


def check_memory():
    p, _, _, tr, _, _ = run("memory")
    n = influence.influence_norms(p, tr)
    assert n.argmax() == len(n) - 1                                 # the last input counts most
    assert n[29] < n[39] / 50                                       # i^30 less than 1/50 of i^40
    p, _, _, tr, _, _ = run("memory", f_s="identity", rho="1")
    n = influence.influence_norms(p, tr)
    assert n[9] > n[39] / 3                                         # i^10 still more than a third


def check_exploding():
    values = lesson_settings("exploding")
    p, x, lengths, tr, g, _ = run("exploding")
    norms = dynamics.gradient_norms_over_time(g)
    assert norms[0] > 1000 * norms[-1]                              # > 1000 times larger at s^0 than at s^30
    assert (np.diff(norms[::5]) < 0).all()                          # and it grows steadily back (every 5 steps)
    copies = g.step_norms("W_s")
    middle = copies[10:20].min()
    assert copies[0] > 1.5 * middle and copies[-1] > 1.5 * middle   # large at both ends, not just early
    full = bptt.grads_dict(g)
    clipped, scale = bptt.clip_global_norm(full, values["bptt_clip_c"])
    assert scale < 1 and bptt.cosine(clipped, full) == pytest.approx(1.0, abs=1e-12)
    assert bptt.global_norm(clipped) == pytest.approx(values["bptt_clip_c"])
    assert bptt.cosine(bptt.clip_elementwise(full, values["bptt_clip_c"]), full) < 0.9


def check_learned_s0():
    p, x, lengths, tr, g, objective = run("learned-s0")
    assert p.s0.any()                                               # no longer zero
    np.testing.assert_array_equal(g.s0, g.d_states[:, 0].sum(axis=0))   # dL/ds0 = dL/ds^0
    for k in range(p.state_size):
        fd = bptt.element_finite_difference(p, x, lengths, objective, "s0", (k,))
        assert relative_error(g.s0[k], fd) < 1e-8


CHECKS = {"unrolled": check_unrolled, "pads": check_pads, "masking": check_masking, "bptt": check_bptt,
          "derivation": check_derivation, "vanishing": check_vanishing, "saturation": check_saturation,
          "memory": check_memory, "exploding": check_exploding, "learned-s0": check_learned_s0}


@pytest.mark.parametrize("name", list(CHECKS))
def test_the_lesson_tells_the_truth(name):
    CHECKS[name]()
