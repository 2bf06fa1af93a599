"""A Trainer's data: how they are drawn from a seed (DataRecipe, datasets, test_set) and arranged for one
of the lesson text's two minibatch strategies (TrainingData), shared read-only between Trainers (numpy only).

"bucket" groups the training sequences by length (sequences.bucket_by_length), so no batch has pads;
"pad" pads every sequence once to the longest (sequences.pad_sequences) and slices each random batch
from that, the core copying the state at a pad.

A recipe is small and hashable, so a Trainer can travel to another process with its recipe instead of its
data (next_char: ~40 MB) and draw them again there, bit for bit (drawn_data). Drawn data are read-only and
kept for the last few recipes, so the Trainers of a class that trains with the same settings share one copy.
"""
import dataclasses
import functools

from ..sequences import bucket_by_length, pad_sequences
from ..tasks import Dataset, NextCharTask, Task


def datasets(task: Task, lengths=None, n_train: int | None = None, n_val: int = 500, seed: int = 0):
    """(train, validation): the same task and lengths, from different seeds (next_char: validation windows
    come from the held-out end of the text)."""
    train = task.make(n_train or task.n_train, lengths, seed=[seed, 0])
    held_out = task.on("held-out") if isinstance(task, NextCharTask) else task
    return train, held_out.make(n_val, lengths, seed=[seed, 1])


@functools.lru_cache(maxsize=8)
def test_set(task: Task, longest: int, n_per_length: int = 64, seed: int = 0) -> Dataset:
    """n_per_length sequences of each length 1..longest, for error/accuracy against length. Read-only and
    kept for the last few settings, so the sessions of a class share one."""
    held_out = task.on("held-out") if isinstance(task, NextCharTask) else task
    test = held_out.make_each_length(longest, n_per_length, seed=[seed, 2])
    for a in (test.inputs, test.lengths, test.targets):
        a.flags.writeable = False
    return test


@dataclasses.dataclass(frozen=True)
class DataRecipe:
    """How make_trainer draws a Trainer's (train, validation) sets: datasets(task, lengths, n_train, n_val, seed).

    Small and hashable: a Trainer sends this instead of its data (next_char: ~40 MB) to another process."""
    task: Task
    lengths: tuple | int | None
    n_train: int
    n_val: int
    seed: int

    def draw(self) -> tuple:
        return datasets(self.task, self.lengths, self.n_train, self.n_val, self.seed)


class TrainingData:
    """A Trainer's data: the training and validation sets, and the training set arranged for its strategy.

    "bucket": buckets {length: (inputs (n, L, I), indices)}; "pad": every sequence padded once (padded
    (B, T, I), padded_lengths (B,)), sliced per batch. A Trainer only reads it."""

    def __init__(self, train: Dataset, val: Dataset, strategy: str):
        self.train, self.val = train, val
        self.buckets = self.padded = self.padded_lengths = None
        if strategy == "bucket":
            self.buckets = bucket_by_length(train.sequences())
        else:
            self.padded, self.padded_lengths = pad_sequences(train.sequences())

    def arrays(self) -> list:
        """Every array it holds."""
        sets = [a for d in (self.train, self.val) for a in (d.inputs, d.lengths, d.targets)]
        buckets = [a for pair in (self.buckets or {}).values() for a in pair]
        return sets + buckets + [a for a in (self.padded, self.padded_lengths) if a is not None]


@functools.lru_cache(maxsize=4)
def drawn_data(recipe: DataRecipe, strategy: str) -> TrainingData:
    """The data of a recipe arranged for a strategy, read-only: every Trainer of this recipe in the process
    (sessions on the server, copies in a worker) shares them, and none can change them. The last few are
    kept, so a class that trains with the default settings draws them once, not once per student."""
    data = TrainingData(*recipe.draw(), strategy)
    for a in data.arrays():
        a.flags.writeable = False
    return data
