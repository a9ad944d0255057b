"""Known media and links on the command line: `cordon hash`, `cordon match` and
`cordon lists import|show|remove|false-positive|export-false-positives`."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from cordon.cli_support import command_store, err, out
from cordon.config import get_settings
from cordon.errors import CordonError, InputError

lists_app = typer.Typer(help="Manage hash lists and link lists in the store.", no_args_is_help=True)

_STORE = typer.Option("--store", help="Store URL; default from CORDON_DATABASE_URL.")


def _media_paths(inputs: list[Path]) -> Iterator[Path]:
    """Files as given, and the files under folders, in a stable order."""
    for path in inputs:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def hash_command(
    inputs: Annotated[list[Path], typer.Argument(help="Image files or folders of them.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write: path,pdq,quality,md5.")],
) -> None:
    """PDQ and MD5 of each image. A PDQ hash below quality 50 is left empty (not fit to match);
    a file that is not a readable image gets a line on stderr, and the rest go on."""
    from cordon.errors import MediaError
    from cordon.signals.media import hash_files

    done = bad = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "pdq", "quality", "md5"])
        for result in hash_files(_media_paths(inputs)):
            if isinstance(result, MediaError):
                bad += 1
                err.print(f"skipped {result}", highlight=False, markup=False)
                continue
            done += 1
            writer.writerow([result.path, result.pdq.hex if result.pdq else "", result.quality, result.md5])
    err.print(f"hashed {done}, skipped {bad}; wrote {output}", highlight=False, markup=False)


def match_command(
    inputs: Annotated[list[Path], typer.Argument(help="Image files or folders of them.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write: path,matched,distance,list,label,how.")],
    list_files: Annotated[list[Path] | None, typer.Option("--list", help="A hash list file (repeatable); default: the store's lists.")] = None,
    guesses: Annotated[bool, typer.Option(help="Also match the variants that guess what a bar or crop hid by the relaxed rule: a scan of the lists per image, about 30 ms a guessed hash at 10M hashes (docs/benchmarks.md).")] = True,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Match images against hash lists: the same MD5, or PDQ within 31 bits of the image or of
    its cropped, captioned, bordered, rotated or flipped variants, or, for a variant that
    guesses what a bar or crop hid, within 56 bits and 16 of its 128 sure bits (docs/media.md).
    One row per image and matched entry, plain matches first, then nearest; `how` says which
    (md5, pdq, or "pdq guess <variant>: ..."); `matched` is empty for an image nothing matched."""
    from cordon.signals.media.signal import HashMatcher

    entries = _hash_entries(list_files, store_url)
    matcher = HashMatcher(entries)
    if not len(matcher):
        raise InputError("no hashes to match against: the lists given (or the store's) hold no PDQ or MD5 entries")
    matched = bad = total = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "matched", "distance", "list", "label", "how"])
        for path in _media_paths(inputs):
            total += 1
            try:
                rows = _match_file(path, matcher, guesses)
            except CordonError as exc:
                bad += 1
                err.print(f"skipped {exc}", highlight=False, markup=False)
                continue
            matched += bool(rows)
            writer.writerows(rows or [[str(path), "", "", "", "", ""]])
    err.print(f"{matched} of {total} files matched, {bad} skipped; wrote {output}", highlight=False, markup=False)


def _hash_entries(list_files: list[Path] | None, store_url: str | None) -> list:
    from cordon.domain.lists import HASH_KINDS
    from cordon.ingest.records import Quarantined
    from cordon.signals.lists import read_hash_list

    if not list_files:
        with command_store(store_url) as store:
            return [(name, e) for name, e in store.list_entries() if e.kind in HASH_KINDS]
    entries = []
    for path in list_files:
        for item in read_hash_list(path):
            if isinstance(item, Quarantined):
                err.print(f"skipped {item.location}: {item.reason}", highlight=False, markup=False)
            else:
                entries.append((path.name, item))
    return entries


def _match_file(path: Path, matcher, guesses: bool) -> list[list[str]]:
    from cordon.signals.media import hash_file, load_image, query_set

    hashes = hash_file(path)
    found = matcher.match([hashes.md5])
    if hashes.pdq is not None:
        queries = query_set(load_image(path))
        found += matcher.match(queries.exact)
        if guesses:
            found += matcher.match_guessed(queries.guessed)
    # Per listed entry its best match: a plain one (MD5, or PDQ within 31) before a relaxed
    # one of a guessed variant, then the nearest.
    best: dict = {}
    for m in (m for ms in found for m in ms):
        key = (m.list_name, m.entry.kind, m.entry.value)
        if key not in best or (m.guess is not None, m.distance) < (best[key].guess is not None, best[key].distance):
            best[key] = m
    order = sorted(best.values(), key=lambda m: (m.guess is not None, m.distance, m.list_name, m.entry.value))
    return [[str(path), m.entry.value, str(m.distance), m.list_name, m.entry.label, _how(m)] for m in order]


def _how(m) -> str:
    from cordon.signals.media.guesses import SURE_BITS

    if m.entry.kind == "md5":
        return "md5"
    if m.guess is None:
        return "pdq"
    variant, sure = m.guess
    return f"pdq guess {variant}: {sure} of {SURE_BITS} sure bits differ"


@lists_app.command("import")
def import_list(
    path: Annotated[Path, typer.Argument(help="The list file: HMA/ThreatExchange CSV, one hash or URL per line, vPDQ, JSON (docs/formats.md).")],
    name: Annotated[str, typer.Option(help="The list's name in the store (a re-import updates it).")],
    source: Annotated[str | None, typer.Option(help="Who the list comes from; default the file's path.")] = None,
    label: Annotated[str, typer.Option(help="Label for entries the file gives none.")] = "",
    description: Annotated[str, typer.Option(help="What the list is.")] = "",
    replace: Annotated[bool, typer.Option(help="Make the list exactly this file (entries it lacks are dropped).")] = False,
    quarantine: Annotated[Path | None, typer.Option(help="Where bad lines go; default DATA_DIR/quarantine.jsonl.")] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Import a hash list or link list, keeping where it came from, when, and each entry's label."""
    from cordon.ingest.lists import import_list_file

    quarantine = quarantine or get_settings().data_dir / "quarantine.jsonl"
    with command_store(store_url) as store:
        done = import_list_file(store, path, name=name, source=source, label=label, description=description,
                                replace=replace, quarantine=quarantine)
    for line in done.first_errors:
        err.print(f"quarantined {line}", highlight=False, markup=False)
    where = f" (see {done.quarantine_path})" if done.quarantine_path else ""
    r = done.result
    err.print(f"list {name}: {r.new} new, {r.changed} changed, {r.unchanged} unchanged, "
              f"quarantined {done.quarantined}{where}", highlight=False, markup=False)


@lists_app.command("show")
def show_lists(store_url: Annotated[str | None, _STORE] = None) -> None:
    """The lists in the store, with their entries and false positives."""
    from rich.table import Table

    with command_store(store_url) as store:
        lists = store.lists()
    table = Table("list", "kinds", "entries", "false positives", "source", "imported")
    for info in lists:
        table.add_row(info.name, ", ".join(info.kinds), f"{info.entries:,}", f"{info.false_positives:,}",
                      info.source, info.imported_at.strftime("%Y-%m-%d %H:%M"))
    out.print(table if lists else "no lists: import one with `cordon lists import FILE --name NAME`")


@lists_app.command("remove")
def remove_list(
    name: Annotated[str, typer.Argument(help="The list to remove.")],
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Remove a list and its entries (its false-positive marks go with it)."""
    with command_store(store_url) as store:
        if not store.remove_list(name):
            raise InputError(f"no list named {name!r}: `cordon lists show` lists them")
    out.print(f"removed list {name}", highlight=False)


@lists_app.command("false-positive")
def mark_false_positive(
    value: Annotated[str, typer.Argument(help="The listed hash, URL or host that matched wrongly.")],
    list_name: Annotated[str, typer.Option("--list", help="The list it is on.")],
    reason: Annotated[str, typer.Option(help="What the matched content really is.")],
    actor: Annotated[str, typer.Option(help="Who decided.")] = "cli",
    kind: Annotated[str | None, typer.Option(help="pdq, md5, url, url_prefix or host; told from the value when omitted.")] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """Mark a list entry a false positive: it stops matching, and the mark can be exported
    back to the list's owner."""
    from cordon.domain.lists import LIST_KINDS
    from cordon.signals.lists import parse_value

    try:
        kind, normalised = parse_value(kind, value, LIST_KINDS)
    except ValueError as exc:
        raise InputError(f"{value!r}: {exc}") from None
    with command_store(store_url) as store:
        store.mark_false_positive(list_name, kind, normalised, reason, actor)
    out.print(f"marked {kind} {normalised} on {list_name} a false positive", highlight=False)


@lists_app.command("export-false-positives")
def export_false_positives(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV for the list's owner.")],
    list_name: Annotated[str | None, typer.Option("--list", help="Only this list.")] = None,
    store_url: Annotated[str | None, _STORE] = None,
) -> None:
    """The false-positive marks, in the form list owners take back (signal_type, signal,
    status=false_positive, reason, marked_at)."""
    from cordon.signals.lists import write_false_positive_export

    with command_store(store_url) as store:
        marks = store.false_positives(list_name)
    n = write_false_positive_export(output, marks)
    out.print(f"wrote {n} false positives to {output}", highlight=False)
