"""Rebuild src/paperclub/data/sample.json from a saved Hugging Face Daily Papers page.

    python scripts/make_sample.py ../shared/seeds/hf-daily-papers-2025-11-25.txt

The sample keeps facts about each paper (title, date, author count or organisation, upvotes,
links, topics) and drops the abstracts, which are their authors' sentences. Topics come from
the taxonomy below, matched over title and abstract while the abstracts are at hand.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from paperclub.default_plugins.hf_page import HFPageText  # noqa: E402
from paperclub.default_plugins.topics import match_topics  # noqa: E402
from paperclub.errors import PaperclubError  # noqa: E402
from paperclub.sources import SourceFile  # noqa: E402

# What the sample keeps of each paper: facts, not the authors' sentences.
FACTS = ("id", "title", "published", "author_count", "organisation", "upvotes", "links")

TAXONOMY = {
    "inference": [
        "inference",
        "speculative",
        "decoding",
        "serving",
        "kv cache",
        "quantization",
        "early exit",
        "time to first token",
        "throughput",
    ],
    "code": ["code", "program", "compiler", "transpil", "decompil", "software engineering"],
    "reasoning": ["reasoning", "theorem", "math", "proof", "test-time"],
    "training": [
        "training",
        "fine-tuning",
        "finetuning",
        "pre-training",
        "backpropagation",
        "low-rank adaptation",
        "checkpoint",
        "data selection",
    ],
    "hardware": ["gpu", "accelerator", "hardware", "risc", "mlir", "cuda", "exascale", "hpc"],
    "interpretability": ["interpretab", "sparse autoencoder", "mechanistic", "features"],
    "science": ["protein", "biomolecul", "pde", "physics", "microscopy", "protocol"],
    "agents": ["agent", "workflow", "collaborat"],
    "evaluation": ["benchmark", "evaluat", "scaling"],
}


def main(seed: str) -> None:
    path = Path(seed)
    papers = []
    for paper in HFPageText().read(SourceFile(path), None):
        if isinstance(paper, PaperclubError):
            sys.exit(str(paper))
        topics = match_topics(TAXONOMY, paper.title, paper.abstract)[:2] or ["other"]
        facts = paper.to_json()
        papers.append({**{k: facts[k] for k in FACTS}, "topics": topics})
    out = ROOT / "src" / "paperclub" / "data" / "sample.json"
    out.write_text(json.dumps(papers, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(papers)} papers -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1])
