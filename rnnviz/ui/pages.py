"""The app's pages, one row each: app.py builds the navigation from this table, lessons and tests name pages
by its keys, and the home page lists the lessons from it."""
import dataclasses


@dataclasses.dataclass(frozen=True)
class Page:
    file: str            # the script, relative to the app's root
    title: str           # in the navigation, the browser tab and the home page's list
    icon: str
    url_path: str        # the address of the page ("" for the home page): deep links name it
    blurb: str           # what a student finds there, for the home page's list
    charts: bool = False  # its first view draws plotly charts: the browser loads their code first (charts.preload)


PAGES = {
    "home": Page("app_pages/home.py", "The RNN", ":material/home:", "",
                 "the model in equations and the states it computes", charts=True),
    "step": Page("app_pages/1_Step_through_time.py", "Step through time", ":material/play_circle:", "Step_through_time",
                 "watch every state being computed"),
    "padding": Page("app_pages/2_Padding_and_batches.py", "Padding and batches", ":material/view_week:",
                    "Padding_and_batches", "why pads leave the state unchanged", charts=True),
    "bptt": Page("app_pages/3_Back-propagation_through_time.py", "Back-propagation through time", ":material/undo:",
                 "Back-propagation_through_time", "every step's copy of W_s, and why their gradients add up"),
    "train": Page("app_pages/4_Train_and_generalise.py", "Train and generalise", ":material/model_training:",
                  "Train_and_generalise", "sequences longer than any seen", charts=True),
    "inside": Page("app_pages/6_Inside_a_trained_RNN.py", "Inside a trained RNN", ":material/neurology:",
                   "Inside_a_trained_RNN", "which state unit holds the running sum, and how far back the output looks",
                   charts=True),
    "teachers": Page("app_pages/5_For_teachers.py", "For teachers", ":material/school:", "For_teachers",
                     "a link for your class: a lesson, hidden controls, a QR code, a preview"),
}
HOME = "home"
