"""Labelled texts for the text models: the public data sets in ../shared/data, and a
platform's own CSV or JSONL. Every example carries a group (its account, or the nearest thing
the data set has) so that evaluation never puts one account on both sides of a split."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from cordon.errors import InputError

TASKS = ("threat", "extremism")


@dataclass
class LabelledTexts:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, text: str, label: int, group: str, source: str) -> None:
        if text and text.strip():
            self.texts.append(text)
            self.labels.append(int(label))
            self.groups.append(group)
            self.sources.append(source)

    def extend(self, other: LabelledTexts) -> None:
        for column in ("texts", "labels", "groups", "sources"):
            getattr(self, column).extend(getattr(other, column))

    @property
    def y(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=np.int8)

    def subset(self, index: np.ndarray) -> LabelledTexts:
        return LabelledTexts(
            [self.texts[i] for i in index], [self.labels[i] for i in index],
            [self.groups[i] for i in index], [self.sources[i] for i in index],
        )

    def account_weights(self, cap: int = 20) -> np.ndarray:
        """Weights that give an account with many posts no more say than one with `cap`:
        the pro-ISIS accounts have ~160 tweets each, the controls ~3."""
        counts: dict[str, int] = {}
        for g in self.groups:
            counts[g] = counts.get(g, 0) + 1
        return np.asarray([min(1.0, cap / counts[g]) for g in self.groups])


def _rows(path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise InputError(f"{path}: no such file (the data sets live in ../shared/data)")
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")
    with raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        yield from csv.DictReader(text, delimiter=delimiter)


# -- extremist support ---------------------------------------------------------------------
def extremism_sets(data: Path) -> LabelledTexts:
    """Positives: Fifth Tribe pro-ISIS tweets (2015-16) and the controls' pro-ISIS tweets
    (2018-19). Negatives: the same-topic controls (news, analysis, criticism), random
    background tweets, and abusive but non-extremist tweets (Davidson)."""
    out = LabelledTexts()
    for r in _rows(data / "isis_fanboy_tweets" / "tweets_train.csv.gz"):
        out.add(r["tweets"], 1, f"fanboy:{r['username']}", "isis_fanboy")
    for r in _rows(data / "isis_topic_control" / "added_scraped_train.csv.gz"):
        if r["label"] in ("0", "1"):
            out.add(r["tweet"], int(r["label"]), f"control:{r['username']}", "isis_topic_control")
    for i, r in enumerate(_rows(data / "random_tweets_background" / "background_tweets.csv.gz")):
        out.add(r["Tweet"], 0, f"background:{i}", "background")
    for r in _rows(data / "hate_speech_davidson" / "labeled_data.csv.gz"):
        out.add(r["tweet"], 0, f"davidson:{r['']}", "davidson")
    return out


# -- violent threats -------------------------------------------------------------------------
_HATECHECK_THREATS = {"threat_dir_h", "threat_norm_h"}
_GERMEVAL_THREATS = {"call2violence", "prospensity"}


def threat_sets(data: Path) -> LabelledTexts:
    """Positives: HateCheck's direct and normative threats, GermEval's calls to violence and
    statements of intent, ETHOS comments with violence >= 0.5. Negatives: the rest of each
    (insults, slurs, counter-speech, quoting), abusive tweets (Davidson) and background."""
    out = LabelledTexts()
    for r in _rows(data / "hatecheck" / "test_suite_cases_train.csv"):
        # Grouped by template: cases of one template differ only in the target's name.
        out.add(r["test_case"], r["functionality"] in _HATECHECK_THREATS, f"hatecheck:{r['templ_id']}", "hatecheck")
    for r in _rows(data / "germeval_violence" / "vio_train_26_train.csv.gz", delimiter=";"):
        out.add(r["description"], r["vio"] in _GERMEVAL_THREATS, f"germeval:{r['id']}", "germeval")
    for r in _rows(data / "ethos_violence" / "Ethos_Dataset_Multi_Label_train.csv", delimiter=";"):
        out.add(r["comment"], float(r["violence"]) >= 0.5, f"ethos:{r['row']}", "ethos")
    for r in _rows(data / "hate_speech_davidson" / "labeled_data.csv.gz"):
        out.add(r["tweet"], 0, f"davidson:{r['']}", "davidson")
    for i, r in enumerate(_rows(data / "random_tweets_background" / "background_tweets.csv.gz")):
        out.add(r["Tweet"], 0, f"background:{i}", "background")
    return out


def shared_sets(task: str, data: Path) -> LabelledTexts:
    if task == "threat":
        return threat_sets(data)
    if task == "extremism":
        return extremism_sets(data)
    raise InputError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")


# -- a platform's own labels ---------------------------------------------------------------
def load_labelled(path: Path, *, text: str = "text", label: str = "label", group: str = "account_id") -> LabelledTexts:
    """A CSV (header row) or JSONL file with a text, a 0/1 label and a group (account) column.
    A bad row is an error naming its line: training on silently dropped labels is worse."""
    out = LabelledTexts()
    if path.suffix in (".jsonl", ".json") or path.name.endswith(".jsonl.gz"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            rows = ((n, orjson.loads(line)) for n, line in enumerate(handle, 1) if line.strip())
            for n, row in rows:
                _add_row(out, row, n, path, text, label, group)
    else:
        for n, row in enumerate(_rows(path), 2):
            _add_row(out, row, n, path, text, label, group)
    if not out.texts:
        raise InputError(f"{path}: no labelled texts")
    return out


def _add_row(out: LabelledTexts, row: dict, n: int, path: Path, text: str, label: str, group: str) -> None:
    for column in (text, label):
        if column not in row:
            raise InputError(f"{path}:{n}: no '{column}' field")
    value = str(row[label]).strip().lower()
    if value not in ("0", "1", "true", "false"):
        raise InputError(f"{path}:{n}: label must be 0 or 1, not {row[label]!r}")
    out.add(str(row[text]), value in ("1", "true"), str(row.get(group) or f"row:{n}"), path.name)
