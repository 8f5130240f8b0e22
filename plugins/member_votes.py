"""Members vote for the papers they want to read; each vote raises a paper's score.

The votes are in `votes.yaml` or `votes.csv` next to the group config (for
`schedules/ml-systems.yaml`: `schedules/votes.yaml`), one of the two:

    # votes.yaml: each member and the papers they vote for
    Grace Hopper: [arxiv:2511.01234, kv-prediction-for-improved-time-to-first-token]
    Alan Turing: [arxiv:2511.01234]

    member,paper
    Grace Hopper,arxiv:2511.01234
    Alan Turing,arxiv:2511.01234

A paper gets a score part `member_votes`: `selection.weights.member_votes` (default 1.0,
about what two upvotes more are worth at the sample's scale) times its number of voters; a
member's second vote for the same paper does not count. Without a votes file nothing changes.
A malformed file stops the plan with an error naming the file and the line.
"""

from __future__ import annotations

import csv
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml

from paperclub.errors import PaperclubError

DEFAULT_WEIGHT = 1.0
NAMES = ("votes.yaml", "votes.csv")


def paperclub_score_paper(paper, group, history):
    count = votes(group.path.parent).get(paper.id, 0)
    if count:
        return {"member_votes": group.weight("member_votes", DEFAULT_WEIGHT) * count}
    return None


def votes(folder: Path) -> Counter:
    """How many members voted for each paper id, from the votes file in `folder`."""
    found = [folder / name for name in NAMES if (folder / name).is_file()]
    if len(found) > 1:
        raise PaperclubError(f"both {found[0].name} and {found[1].name} hold votes; keep one",
                             path=found[0])
    if not found:
        return Counter()
    stat = found[0].stat()
    return _read(found[0], stat.st_mtime_ns, stat.st_size)  # read again when it changes


@lru_cache(maxsize=8)
def _read(path: Path, mtime: int, size: int) -> Counter:
    pairs = _read_csv(path) if path.suffix == ".csv" else _read_yaml(path)
    return Counter(paper for _member, paper in set(pairs))


def _read_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader, [])]
        if header != ["member", "paper"]:
            raise PaperclubError("the first line must be the header `member,paper`",
                                 path=path, line=1)
        pairs = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise PaperclubError(f"expected a member and a paper id, got {row!r}",
                                     path=path, line=reader.line_num)
            pairs.append((row[0].strip(), row[1].strip()))
        return pairs


def _read_yaml(path: Path) -> list[tuple[str, str]]:
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise PaperclubError(f"not YAML: {getattr(e, 'problem', e)}", path=path,
                             line=mark.line + 1 if mark else None) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise PaperclubError("expected each member and a list of the papers they vote for",
                             path=path, line=root.start_mark.line + 1)
    pairs = []
    for key, value in root.value:
        member = key.value if isinstance(key, yaml.ScalarNode) else ""
        if not member.strip():
            raise PaperclubError("expected a member's name", path=path,
                                 line=key.start_mark.line + 1)
        items = value.value if isinstance(value, yaml.SequenceNode) else None
        if items is None or not all(isinstance(i, yaml.ScalarNode) and i.value.strip()
                                    for i in items):
            raise PaperclubError(f"{member}: expected a list of paper ids", path=path,
                                 line=value.start_mark.line + 1)
        pairs += [(member, item.value.strip()) for item in items]
    return pairs
