"""Which model for the spam filter: the service's naive Bayes beside
scikit-learn's linear models, on the same features and the same protocol.

Not part of the service or of ``make bench`` (scikit-learn is not a
dependency): ``pip install scikit-learn`` into any venv with the project
installed, then ``python bench/spam_compare.py``.

Protocol: train on four YouTube videos, test on the fifth. The threshold of
every model is chosen the way the service chooses it: the training texts
scored in five consecutive blocks by models that did not see the block, and
the score that holds 1% of the good ones. "Best possible" is the share of
spam a threshold chosen on the test video itself would hold at 1% of its
good comments: the ranking quality, whatever the threshold.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.spam import VIDEOS, read_video
from widget.moderation import classifier

Scorer = Callable[[list[str], list[bool], list[str]], list[float]]


def ours(train: list[str], labels: list[bool], test: list[str]) -> list[float]:
    counts = classifier.Counts.empty()
    for text, is_spam in zip(train, labels, strict=True):
        counts.add(classifier.features(text), is_spam)
    vocabulary = counts.vocabulary
    return [counts.score(classifier.features(text), vocabulary) for text in test]


def linear(model: Callable[[], object]) -> Scorer:
    def score(train: list[str], labels: list[bool], test: list[str]) -> list[float]:
        vectoriser = TfidfVectorizer(
            analyzer=lambda t: list(classifier.tokens(t)), sublinear_tf=True
        )
        fitted = model().fit(vectoriser.fit_transform(train), labels)
        return list(fitted.decision_function(vectoriser.transform(test)))

    return score


def threshold(scorer: Scorer, train: list[str], labels: list[bool]) -> float:
    scores: list[float] = []
    n = len(train)
    for k in range(5):
        inside = [i for i in range(n) if n * k // 5 <= i < n * (k + 1) // 5]
        outside = [i for i in range(n) if not n * k // 5 <= i < n * (k + 1) // 5]
        block = scorer(
            [train[i] for i in outside], [labels[i] for i in outside], [train[i] for i in inside]
        )
        scores += [s for s, i in zip(block, inside, strict=True) if not labels[i]]
    return classifier.threshold_for(scores)


def evaluate(name: str, scorer: Scorer) -> None:
    spam, good, best = [], [], []
    for held_out in VIDEOS:
        rows = [row for video in VIDEOS if video != held_out for row in read_video(video)]
        train, labels = [row.text for row in rows], [row.is_spam for row in rows]
        line = threshold(scorer, train, labels)
        test = read_video(held_out)
        scores = np.array(scorer(train, labels, [row.text for row in test]))
        truth = np.array([row.is_spam for row in test])
        spam.append((scores[truth] > line).mean())
        good.append((scores[~truth] > line).mean())
        best.append((scores[truth] > np.quantile(scores[~truth], 0.99)).mean())
    print(
        f"| {name} | {statistics.fmean(spam):.1%} | {statistics.fmean(good):.1%} "
        f"| {statistics.fmean(best):.1%} |"
    )


def main() -> None:
    print("| model (same features) | spam held | good held | best possible at 1% good held |")
    print("| --- | --- | --- | --- |")
    evaluate("naive Bayes (the service's)", ours)
    evaluate(
        "logistic regression (tf-idf)", linear(lambda: LogisticRegression(C=30, max_iter=3000))
    )
    evaluate("linear SVM (tf-idf)", linear(lambda: LinearSVC(C=1)))


if __name__ == "__main__":
    main()
