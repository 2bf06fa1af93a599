"""Guided lessons: each is a preset (a page of rnnviz.ui.pages and link fields of rnnviz.ui.settings), a claim
(what the student will see there), a question to think about, and the next lesson of the chain.

Open one as ?lesson=NAME; its caption then stands at the top of the page. Every claim is computed from the core
at the lesson's own settings by tests/test_lessons.py, so a claim that stops being true fails a test: change
a number here and the test that checks it together.
"""
import dataclasses

from .settings import BY_NAME

STEP, PADS, BPTT = "step", "padding", "bptt"
_PAD_TABS = BY_NAME["padding_tab"].choices          # the padding page's tab titles, as the link names them
LAST_LINK = ("Train and generalise", "./Train_and_generalise")      # where the chain ends: the training lab


@dataclasses.dataclass(frozen=True)
class Lesson:
    title: str
    page: str            # a key of rnnviz.ui.pages.PAGES
    query: dict          # link fields that set the model, sequence and step
    claim: str           # what the student will see at these settings (checked by tests/test_lessons.py)
    question: str        # something to think about before moving on
    next: str | None     # the name of the next lesson (None: the chain ends with the training lab)

    @property
    def caption(self) -> str:
        """The lesson's box (Markdown made by this app, no user text): the claim, the question, the next link."""
        if self.next is None:
            title, href = LAST_LINK
        else:
            title, href = LESSONS[self.next].title, f"./?lesson={self.next}"
        return f"{self.claim}\n\n**Think:** {self.question}\n\n**Next:** [{title} →]({href})"


_LINEAR = {"I": "2", "H": "8", "f_s": "identity", "seq": "random vectors", "T": "40", "pads": "0",
           "tab": "Vanishing and exploding", "rescale": "1"}

LESSONS = {
    "unrolled": Lesson(
        "The unrolled network", STEP, {"I": "2", "H": "3", "seq": "random vectors", "T": "5", "pads": "0", "t": "2"},
        "Every step uses the same weights: in the diagram each state arrow is labelled W_s and each input arrow "
        "W_i, the state rows and the input rows of the one matrix W_s. Press ▶ (or N) to step: each new column of "
        "the state heatmap is computed from the column before it and the new input, "
        "sᵗ = f_s([sᵗ⁻¹ iᵗ] W_s + b_s).",
        "Unrolled over T = 5 steps the network is 5 layers deep. How many different weight matrices does it have, "
        "and would that change for T = 500?", "pads"),
    "pads": Lesson(
        "Pads leave the state unchanged", STEP, {"I": "2", "H": "3", "seq": "random vectors", "T": "4", "pads": "3",
                                                 "t": "5"},
        "Steps 5 to 7 are pads: nothing is computed and the state is copied, so the columns s⁴ to s⁷ of the state "
        "heatmap are identical, and the output is exactly what the 4 real steps alone give.",
        "What would go wrong with the output if a pad were fed through f_s like an ordinary input of zeros?",
        "masking"),
    "masking": Lesson(
        "Why masking matters", PADS, {"I": "2", "H": "3", "pb_source": "random", "pb_B": "4",
                                      "pb_lengths": "6,3,6,3,8,1,5,2", "pb_extra": "0", "pb_bias": "0.5",
                                      "pb_tab": _PAD_TABS[1]},
        "Left, the masked batch: each sequence's state is flat after its own length. Right, the same batch with "
        "the pads fed in as zeros: the two sequences of length 3 drift away, while those of length 6 have no pads "
        f"and do not change. The next tab, '{_PAD_TABS[2]}', shows that in the masked batch each sequence computes "
        f"exactly what it computes alone; the last, '{_PAD_TABS[3]}', groups the four sequences by length into 2 "
        "groups of 2.",
        "Grouping by length needs no pads at all. When would you still rather pad and mask?", "bptt"),
    "bptt": Lesson(
        "BPTT adds up the copies", BPTT, {"I": "2", "H": "3", "seq": "random vectors", "T": "5", "pads": "0",
                                          "tab": "Contributions and the proof", "el": "W_s00"},
        "Each bar is the gradient of one step's copy of W_s00. The first bar is exactly 0: the copy at step 1 "
        "multiplies s⁰ = 0. In the proof table the sum of the copies, the total from backward() and a central "
        "finite difference agree to at least 8 significant digits, for W_s, b_s, W_o, b_o and s0 alike.",
        "Pick an input weight, W_i00: is its first bar 0 too? Why, or why not?", "derivation"),
    "derivation": Lesson(
        "The product rule, step by step", BPTT, {"I": "2", "H": "2", "seq": "random vectors", "T": "3", "pads": "0",
                                                 "tab": "The derivation", "el": "W_s00", "unfold": "1"},
        "The lesson text's derivation of do₀/dW_s00 with this network's numbers, for T = 3. Each click on + unfolds "
        "one more step by the product rule: one more term s₀ᵗ⁻¹ δ₀ᵗ appears and the part not unfolded yet changes, "
        "until after 3 steps nothing is left and the sum of the terms is backward()'s total.",
        "Why does the unfolding stop after exactly T steps: what is ds⁰/dW_s00?", "vanishing"),
    "vanishing": Lesson(
        "Vanishing gradients", BPTT, {**_LINEAR, "rho": "0.5"},
        "A linear RNN (f_s = identity) with ρ = 0.5: each step back multiplies the gradient by about ρ, so "
        "‖dL/dsᵗ‖ (left chart, log scale) falls at every step back and reaches s⁰ more than 10¹⁰ times smaller "
        "than at s⁴⁰. Move ρ to 1.0 and it stays within a factor of 10; at 1.5 it grows instead, more than a "
        "million times by s⁰.",
        "If the gradient reaching s⁰ is 10⁻¹² of the one at s⁴⁰, how much can training learn from the first "
        "inputs?", "saturation"),
    "saturation": Lesson(
        "Saturation stops gradients too", BPTT, {**_LINEAR, "f_s": "tanh", "rho": "3"},
        "Now f_s = tanh and ρ = 3: the state rows alone would make the gradient explode, but the states saturate "
        "(|s| > 0.99 for about half of the units at a typical step, bottom chart), where tanh′ ≈ 0, so ‖dL/dsᵗ‖ "
        "still vanishes: at s⁰ it is below 10⁻¹⁰ of its value at s⁴⁰. Switch f_s to identity in the sidebar and the "
        "same ρ explodes instead (above 10¹⁵ times).",
        "Small ρ and saturation both make gradients vanish. Which of the two would a larger weight scale cure, and "
        "which would it cause?", "memory"),
    "memory": Lesson(
        "How far back the network looks", BPTT, {**_LINEAR, "f_s": "tanh", "rho": "0.9"},
        "‖do/diᵗ‖ (the chart 'How far back the network looks') measures how much each input moves the output. "
        "With tanh and ρ = 0.9 the last input counts most, and i³⁰, ten steps before the end, moves the output "
        "less than 1/50 as much as i⁴⁰. Switch f_s to identity and set ρ = 1: even i¹⁰ still moves it more than a "
        "third as much as i⁴⁰.",
        "A task needs the first word of a 40-word sentence. Which of the two networks could learn it?", "exploding"),
    "exploding": Lesson(
        "Exploding gradients and clipping", BPTT, {"I": "2", "H": "8", "f_s": "identity", "seq": "random vectors",
                                                   "T": "30", "pads": "0", "tab": "Truncation and clipping",
                                                   "rescale": "1", "rho": "1.3", "clip": "global norm", "c": "1"},
        "A linear RNN with ρ = 1.3: ‖dL/dsᵗ‖ grows as it goes back, more than 1000 times larger at s⁰ than at s³⁰. "
        "The copies' gradients ‖dL/dW_sᵗ‖ (bars) are large at both ends, not just early: δᵗ grows backward while "
        "the state sᵗ⁻¹ that multiplies it grows forward. Global-norm clipping at c = 1 shortens the gradient and "
        "keeps its direction (cosine 1 with the full gradient); choose element-wise clipping and the cosine drops "
        "below 0.9: the direction changes.",
        "Truncate BPTT to k = 5 steps: how far does the truncated gradient move from the full one, and why might "
        "that still be worth it?", "learned-s0"),
    "learned-s0": Lesson(
        "A learned initial state", STEP, {"I": "2", "H": "3", "s0": "learned", "seq": "random vectors", "T": "4",
                                          "pads": "0", "t": "0"},
        "s⁰ is no longer zero: it is a parameter s0, drawn at random from the weight seed (edit it in 'Edit the "
        "weights'). Its gradient dL/ds0 is the gradient that reaches step 0, dL/ds⁰: on the BPTT page "
        "('Contributions and the proof') it has its own row in the proof table, equal to a finite difference.",
        "W_s and b_s have one copy per step; why does s0 have only one?", None),
}
