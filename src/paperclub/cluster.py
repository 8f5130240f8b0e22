"""Topics for papers that have none: k-means over TF-IDF vectors of title and abstract
(scikit-learn, the `cluster` extra, imported only when `balance.cluster` is on). Each cluster
is named after its two strongest words, so a plan shows "~ decoding, speculative"."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from paperclub.errors import PaperclubError
from paperclub.models import Paper


def cluster_topics(papers: Sequence[Paper], max_clusters: int = 12) -> dict[str, str]:
    """A topic for each paper, by id. Deterministic: papers in id order, a fixed seed."""
    papers = sorted(papers, key=lambda p: p.id)
    if len(papers) < 2:
        return {}
    try:
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import TfidfVectorizer
    except ImportError:
        raise PaperclubError(
            "balance.cluster needs scikit-learn: pip install 'paperclub[cluster]'"
        ) from None
    texts = [f"{p.title} {p.title} {p.abstract}" for p in papers]  # the title counts double
    vectors = TfidfVectorizer(
        stop_words="english", max_features=20000, token_pattern=r"(?u)\b[^\W\d_][\w-]+\b"
    )
    try:
        matrix = vectors.fit_transform(texts)
    except ValueError:  # no words at all
        return {}
    model = _best_kmeans(matrix, len(papers), max_clusters, KMeans)
    words = vectors.get_feature_names_out()
    names = []
    for centre in model.cluster_centers_:
        top = sorted(range(len(centre)), key=lambda i: (-centre[i], words[i]))[:2]
        names.append("~ " + ", ".join(sorted(words[i] for i in top)))
    return {p.id: names[label] for p, label in zip(papers, model.labels_)}


# scikit-learn has no type hints: its matrix, class and models are Any here
def _best_kmeans(matrix: Any, n: int, max_clusters: int, KMeans: Any) -> Any:
    """The number of clusters with the best silhouette (up to a few thousand papers; beyond,
    the rule of thumb sqrt(n/2), as the silhouette costs n squared)."""
    from sklearn.metrics import silhouette_score

    def fit(k: int) -> Any:
        return KMeans(n_clusters=k, n_init=4, random_state=0).fit(matrix)

    largest = min(max_clusters, n - 1)
    if n > 2000 or largest <= 2:
        return fit(max(2, min(largest, round(math.sqrt(n / 2)))))
    best, best_score = None, -2.0
    for k in range(2, largest + 1):
        model = fit(k)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(matrix, model.labels_, random_state=0)
        if score > best_score + 1e-9:
            best, best_score = model, score
    return best or fit(2)
