"""Learn the intent model's weights from the labelled corpus, and measure it.

Multinomial logistic regression over the sparse features of ``features.analyse``, fitted with
AdaGrad in pure Python: the corpus is a few hundred lines, so training takes seconds and the
result is deterministic. ``make intents`` retrains and rewrites ``model.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flows.intents.classifier import LABELS, REQUEST_LABELS, Model, classify
from flows.intents.features import analyse

EPOCHS = 20
LEARNING_RATE = 0.5
L2 = 1e-4
SEED = 20261122
PRUNE_BELOW = 1e-3
TRAINING_VERSION = "1"

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "intents"
MODEL_PATH = Path(__file__).with_name("model.json")


@dataclass(frozen=True)
class Example:
    label: str
    agent: bool
    text: str


def load_corpus(path: Path) -> list[Example]:
    """Read ``label<TAB>agent<TAB>text`` lines; ``#`` comments and blank lines are skipped."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, agent, text = line.split("\t")
        if label not in LABELS:
            raise ValueError(f"{path.name}:{number}: unknown label {label!r}")
        examples.append(Example(label=label, agent=agent == "1", text=text))
    return examples


def training_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    """Every ``train*.tsv``; ``heldout.tsv`` is never trained or tuned on."""
    return sorted(corpus_dir.glob("train*.tsv"))


def load_training(corpus_dir: Path = CORPUS_DIR) -> list[Example]:
    return [example for path in training_files(corpus_dir) for example in load_corpus(path)]


def inputs_digest(corpus_dir: Path = CORPUS_DIR) -> str:
    """What the model was trained from; a test fails when it no longer matches."""
    digest = hashlib.sha256()
    digest.update(resources.files("flows.intents").joinpath("lexicon.toml").read_bytes())
    for path in training_files(corpus_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    settings = (TRAINING_VERSION, EPOCHS, LEARNING_RATE, L2, SEED, PRUNE_BELOW)
    digest.update(repr(settings).encode())
    return digest.hexdigest()


def train(examples: Sequence[Example], *, digest: str = "") -> Model:
    labels = LABELS
    index = {label: i for i, label in enumerate(labels)}
    data = [(analyse(e.text).features(), index[e.label]) for e in examples]
    weights: dict[str, list[float]] = defaultdict(lambda: [0.0] * len(labels))
    squared: dict[str, list[float]] = defaultdict(lambda: [1e-8] * len(labels))
    order = list(range(len(data)))
    rng = random.Random(SEED)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            features, gold = data[i]
            scores = [0.0] * len(labels)
            for name, value in features:
                row = weights[name]
                for k in range(len(labels)):
                    scores[k] += row[k] * value
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            for name, value in features:
                row, acc = weights[name], squared[name]
                for k in range(len(labels)):
                    gradient = (exps[k] / total - (k == gold)) * value + L2 * row[k]
                    acc[k] += gradient * gradient
                    row[k] -= LEARNING_RATE * gradient / math.sqrt(acc[k])
    kept = {
        name: tuple(row) for name, row in weights.items() if any(abs(w) >= PRUNE_BELOW for w in row)
    }
    return Model(labels=labels, weights=kept, inputs_digest=digest)


@dataclass(frozen=True)
class Report:
    total: int
    correct: int
    per_label: dict[str, tuple[int, int]]  # label -> (correct, total)
    agent_correct: int
    confusions: Counter[tuple[str, str]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def label_accuracy(self, label: str) -> float:
        right, total = self.per_label.get(label, (0, 0))
        return right / total if total else 1.0

    def lines(self, name: str, *, confusions: bool = True) -> list[str]:
        out = [
            f"{name}: top-1 {self.accuracy:.1%} ({self.correct}/{self.total}); "
            f"agent flag {self.agent_correct / max(self.total, 1):.1%}"
        ]
        for label in LABELS:
            right, total = self.per_label.get(label, (0, 0))
            if total:
                out.append(f"  {label:<20} {right / total:6.1%} ({right}/{total})")
        worst = self.confusions.most_common(8)
        if worst and confusions:
            out.append(
                "  most common confusions (gold -> predicted): "
                + ", ".join(f"{gold}->{predicted} x{n}" for (gold, predicted), n in worst)
            )
        return out

    def worst_request_type(self) -> float:
        return min(self.label_accuracy(label) for label in REQUEST_LABELS)


def evaluate(examples: Iterable[Example], model: Model | None = None) -> Report:
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    total = correct = agent_correct = 0
    for example in examples:
        result = classify(example.text, model)
        total += 1
        per_label[example.label][1] += 1
        if result.intent == example.label:
            correct += 1
            per_label[example.label][0] += 1
        else:
            confusions[(example.label, result.intent)] += 1
        agent_correct += result.agent == example.agent
    return Report(
        total=total,
        correct=correct,
        per_label={k: (v[0], v[1]) for k, v in per_label.items()},
        agent_correct=agent_correct,
        confusions=confusions,
    )


def cross_validate(examples: Sequence[Example], folds: int = 5) -> Report:
    """Accuracy on the training corpus without testing on what was learned: for tuning."""
    shuffled = list(examples)
    random.Random(SEED).shuffle(shuffled)
    reports = []
    for fold_number in range(folds):
        held = shuffled[fold_number::folds]
        rest = [e for i, e in enumerate(shuffled) if i % folds != fold_number]
        reports.append(evaluate(held, train(rest)))
    per_label: dict[str, tuple[int, int]] = {}
    for label in LABELS:
        right = sum(r.per_label.get(label, (0, 0))[0] for r in reports)
        total = sum(r.per_label.get(label, (0, 0))[1] for r in reports)
        per_label[label] = (right, total)
    confusions: Counter[tuple[str, str]] = Counter()
    for r in reports:
        confusions.update(r.confusions)
    return Report(
        total=sum(r.total for r in reports),
        correct=sum(r.correct for r in reports),
        per_label=per_label,
        agent_correct=sum(r.agent_correct for r in reports),
        confusions=confusions,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train and measure the intent model.")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--cross-validate", action="store_true")
    parser.add_argument("--report", action="store_true", help="also measure on heldout.tsv")
    args = parser.parse_args(argv)
    examples = load_training(args.corpus)
    if args.cross_validate:
        print("\n".join(cross_validate(examples).lines("train (5-fold cross-validation)")))
    heldout = args.corpus / "heldout.tsv"
    model = train(examples, digest=inputs_digest(args.corpus))
    MODEL_PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=0) + "\n")
    print(f"wrote {MODEL_PATH} ({len(model.weights)} features)")
    if args.report and heldout.exists():
        # Aggregates only: looking at held-out mistakes would turn it into training data.
        print("\n".join(evaluate(load_corpus(heldout), model).lines("held-out", confusions=False)))


if __name__ == "__main__":
    main()
