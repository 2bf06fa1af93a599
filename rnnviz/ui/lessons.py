"""Guided lessons: each is a link (a page of rnnviz.ui.pages and link fields of rnnviz.ui.settings) plus what to
look at.

Open one as ?lesson=NAME; the caption then stands at the top of the page.
"""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Lesson:
    title: str
    page: str            # a key of rnnviz.ui.pages.PAGES
    query: dict          # link fields that set the model, sequence and step
    caption: str         # what to look at, and what to try


STEP, PADS, BPTT = "step", "padding", "bptt"

LESSONS = {
    "unrolled": Lesson(
        "The unrolled network", STEP, {"I": "2", "H": "3", "seq": "random vectors", "T": "5", "pads": "0", "t": "2"},
        "The same W_s is used at every step: follow the blue and orange arrows in the diagram. Press ▶ (or N) to "
        "step and watch each new column of the state heatmap being computed from the previous one."),
    "pads": Lesson(
        "Pads leave the state unchanged", STEP, {"I": "2", "H": "3", "seq": "random vectors", "T": "4", "pads": "3",
                                                 "t": "5"},
        "Steps 5 to 7 are pads: nothing is computed and the state is copied. Compare the last columns of the state "
        "heatmap, then open 'Padding and batches' to see what goes wrong without the mask."),
    "masking": Lesson(
        "Why masking matters", PADS, {"I": "2", "H": "3", "pb_B": "4", "pb_bias": "0.5"},
        "Left, the masked batch: each sequence's state is flat after its own length. Right, the same batch with "
        "the pads fed in as zeros: the state drifts. Section 3 proves the masked batch equals each sequence alone."),
    "bptt": Lesson(
        "BPTT adds up the copies", BPTT, {"I": "2", "H": "3", "seq": "random vectors", "T": "5", "pads": "0",
                                          "tab": "Contributions and the proof", "el": "W_s00"},
        "Each bar is the gradient of one step's copy of W_s00. Their sum, the gradient from backward() and a "
        "finite difference agree to about 1e-10: the copies' gradients add up to the shared weight's."),
    "vanishing": Lesson(
        "Vanishing gradients", BPTT, {"I": "2", "H": "8", "seq": "random vectors", "T": "40", "pads": "0",
                                      "tab": "Vanishing and exploding", "rescale": "1", "rho": "0.5"},
        "With ρ = 0.5 the gradient reaching early states shrinks by orders of magnitude (log scale). Raise ρ "
        "towards 1 and beyond and watch the lines flatten, then climb."),
    "exploding": Lesson(
        "Exploding gradients and clipping", BPTT, {"I": "2", "H": "8", "f_s": "identity", "seq": "random vectors",
                                                   "T": "30", "pads": "0", "tab": "Truncation and clipping",
                                                   "rescale": "1", "rho": "1.3", "clip": "global norm", "c": "1"},
        "A linear RNN with ρ = 1.3 multiplies the gradient at every step: early steps' contributions dominate. "
        "Global-norm clipping keeps the direction and caps the length; try element-wise clipping and compare."),
    "learned-s0": Lesson(
        "A learned initial state", STEP, {"I": "2", "H": "3", "s0": "learned", "seq": "random vectors", "T": "4",
                                          "pads": "0", "t": "0"},
        "s⁰ is no longer zero: it is a parameter (edit it in 'Edit the weights'). Its gradient is the gradient "
        "that reaches step 0 — see it on the BPTT page as dL/ds⁰."),
}
