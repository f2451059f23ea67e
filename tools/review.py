"""`supportbot review export`: review labels into training data, as a diff for people to review.

Labels agents made in the console's Review page (``bot.review``) become:

- **NLU examples** in ``data/nlu_review.yml`` (Rasa reads ``data/`` recursively), one per buyer
  message labelled with an intent (``out_of_scope`` included), entity annotations as in
  ``data/nlu.yml`` (``[1001](order_id)``); e-mail addresses and phone numbers are replaced by
  fictional ones (``[buyer@example.com](email)``, ``[+44 7700 900123](phone)``);
- **article aliases** in ``data/faq/aliases.yaml`` (``sources.yaml`` names it), one per buyer
  message labelled with an article, e-mails and phones masked; `supportbot ingest` (run by
  `supportbot train` when the corpus is out of date) adds them to the articles.

The hand-written data is never touched, and ``eval/`` (frozen evaluation data) never written.
The command prints the unified diff of every file it changes; ``--dry-run`` prints it and writes
nothing. A message already an example of another intent, or an article that exists only as an
admin's edit (ingest could not find it), is reported and left for later, not written. With no
label to export it says so, writes nothing and exits 2.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.review import ReviewService
    from bot.schemas.review import PendingLabel

NLU_FILE = Path("data") / "nlu_review.yml"
FICTIONAL = {"email": "buyer@example.com", "phone": "+44 7700 900123"}
NLU_HEADER = (
    "# Buyer messages labelled in conversation review, written by `supportbot review export`.\n"
    "# Review this file like code; e-mails and phone numbers are fictional stand-ins.\n"
)
ALIASES_HEADER = (
    "# Buyer wordings that agents labelled in conversation review with the article that answers them.\n"
    "# `supportbot review export` appends to this file (never silently: it prints the diff) and\n"
    "# `supportbot ingest` (also run by `supportbot train`) adds them to the articles' aliases.\n"
    "# Keys are article ids of data/faq/articles.yaml; ingest fails loudly on an id that no longer exists.\n"
)


def register(commands: argparse._SubParsersAction, groups: dict[str, argparse._SubParsersAction]) -> None:
    review = commands.add_parser("review", help="Conversation review: export labels as training data.")
    review_commands = review.add_subparsers(dest="review_command", metavar="COMMAND")
    review.set_defaults(func=lambda _args: review.print_help(sys.stderr) or 2)
    export = review_commands.add_parser(
        "export",
        help="Write review labels into data/nlu_review.yml and data/faq/aliases.yaml (prints the diff).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    export.set_defaults(func=_export)


# ------------------------------------------------------------------ turning labels into data


def nlu_example(text: str) -> str:
    """One line of Rasa NLU data for a buyer message: entities annotated, contacts fictional."""
    from bot.entities import extract_entities

    flat = " ".join(text.split())
    parts: list[str] = []
    position = 0
    for entity in sorted(extract_entities(flat), key=lambda e: e.start):
        if entity.start < position:
            continue
        parts.append(_plain(flat[position : entity.start]))
        shown = FICTIONAL.get(entity.label, flat[entity.start : entity.end])
        parts.append(f"[{_plain(shown)}]({entity.label})")
        position = entity.end
    parts.append(_plain(flat[position:]))
    return "".join(parts).strip()


def _plain(text: str) -> str:
    # Brackets would read as Rasa entity annotations.
    return text.replace("[", "(").replace("]", ")")


def alias_text(text: str) -> str:
    from bot.privacy import mask_contacts

    return " ".join(mask_contacts(text).split())


@dataclass
class Export:
    nlu: dict[str, list[str]]  # intent -> examples, the whole new file
    aliases: dict[str, list[str]]  # article id -> wordings, the whole new file
    exported: list[int] = field(default_factory=list)  # label (message) ids written or already there
    skipped: list[str] = field(default_factory=list)  # why a label was left for later
    added: int = 0


def plan_export(
    labels: list[PendingLabel],
    *,
    nlu_now: dict[str, list[str]],
    other_examples: dict[str, str],
    aliases_now: dict[str, list[str]],
    ingested_ids: set[str],
) -> Export:
    """The new contents of both files. ``other_examples`` maps each example of the hand-written
    NLU data (plain text, lower-case) to its intent; ``ingested_ids`` are the ids ingest makes."""
    from tools.nlu_eval import plain_text

    nlu = {intent: list(examples) for intent, examples in nlu_now.items()}
    aliases = {article: list(texts) for article, texts in aliases_now.items()}
    plan = Export(nlu=nlu, aliases=aliases)
    mine = {plain_text(e).lower(): intent for intent, examples in nlu.items() for e in examples}
    for label in labels:
        ok = True
        if label.intent:
            example = nlu_example(label.text)
            key = plain_text(example).lower()
            clash = other_examples.get(key)
            if clash is not None and clash != label.intent:
                plan.skipped.append(
                    f"message {label.message_id}: {example!r} is already an example of {clash!r} in the training data"
                )
                ok = False
            elif mine.get(key) not in (None, label.intent):
                plan.skipped.append(
                    f"message {label.message_id}: {example!r} is labelled {mine[key]!r} in {NLU_FILE} already"
                )
                ok = False
            elif clash is None and key not in mine:
                nlu.setdefault(label.intent, []).append(example)
                mine[key] = label.intent
                plan.added += 1
        if label.article_id and ok:
            if label.article_id not in ingested_ids:
                plan.skipped.append(
                    f"message {label.message_id}: article {label.article_id!r} exists only as an admin's edit, "
                    "so ingest cannot take an alias for it yet"
                )
                ok = False
            else:
                wording = alias_text(label.text)
                texts = aliases.setdefault(label.article_id, [])
                if wording.lower() not in {t.lower() for t in texts}:
                    texts.append(wording)
                    plan.added += 1
        if ok:
            plan.exported.append(label.message_id)
    return plan


def dump_nlu_review(nlu: dict[str, list[str]]) -> str:
    lines = [NLU_HEADER, 'version: "3.1"\n', "\n", "nlu:\n"]
    for intent in sorted(nlu):
        if not nlu[intent]:
            continue
        lines.append(f"- intent: {intent}\n  examples: |\n")
        lines.extend(f"    - {example}\n" for example in nlu[intent])
    return "".join(lines)


def dump_aliases(aliases: dict[str, list[str]]) -> str:
    import yaml

    body = {"articles": {key: aliases[key] for key in sorted(aliases) if aliases[key]}}
    return ALIASES_HEADER + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def read_nlu_review(path: Path) -> dict[str, list[str]]:
    from tools.nlu_eval import parse_nlu

    if not path.exists():
        return {}
    return parse_nlu(path.read_text(encoding="utf-8")).intents


def hand_written_examples(data_dir: Path, skip: Path) -> dict[str, str]:
    """Plain text (lower-case) -> intent of every NLU example under ``data/`` except ``skip``."""
    from tools.nlu_eval import parse_nlu, plain_text

    found: dict[str, str] = {}
    for path in sorted(data_dir.rglob("*.yml")):
        if path.resolve() == skip.resolve():
            continue
        text = path.read_text(encoding="utf-8")
        if "nlu:" not in text:
            continue
        for intent, examples in parse_nlu(text).intents.items():
            for example in examples:
                found.setdefault(plain_text(example).lower(), intent)
    return found


def diff(path: Path, before: str, after: str, home: Path) -> str:
    name = path.relative_to(home).as_posix() if path.is_relative_to(home) else str(path)
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )


def export(
    settings: Settings, review: ReviewService, *, dry_run: bool = False, out: TextIO = sys.stdout
) -> Export:
    """Plan, print the diff, write (unless ``dry_run``) and mark the labels exported."""
    from bot.corpus import load_articles
    from bot.corpus.ingest import load_aliases, load_manifest
    from bot.schemas.agents import CLI_ACTOR, Actor

    labels = review.pending()
    if not labels:
        raise UsageError(
            "no review labels to export (label buyer messages on the console's Review page first); nothing was written"
        )
    home = settings.home
    nlu_path = home / NLU_FILE
    faq_dir = settings.articles_file.parent
    aliases_name = load_manifest(faq_dir / "sources.yaml").get("aliases")
    if not aliases_name:
        raise UsageError(f"{faq_dir / 'sources.yaml'} names no aliases file ('aliases: aliases.yaml')")
    aliases_path = faq_dir / str(aliases_name)
    _refuse_eval(home, nlu_path, aliases_path)
    plan = plan_export(
        labels,
        nlu_now=read_nlu_review(nlu_path),
        other_examples=hand_written_examples(home / "data", nlu_path),
        aliases_now=load_aliases(aliases_path),
        ingested_ids={article.id for article in load_articles(settings.articles_file)},
    )
    changes: list[tuple[Path, str]] = []
    files = (
        (nlu_path, dump_nlu_review(plan.nlu), any(plan.nlu.values())),
        (aliases_path, dump_aliases(plan.aliases), any(plan.aliases.values())),
    )
    for path, after, has_data in files:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        if not before and not has_data:
            continue  # no file yet and nothing to put in it
        if _content(before) != _content(after):
            out.write(diff(path, before, after, home))
            changes.append((path, after))
    for reason in plan.skipped:
        out.write(f"left for later: {reason}\n")
    if dry_run:
        out.write(f"dry run: {len(plan.exported)} label(s) would be exported; nothing was written\n")
        return plan
    for path, after in changes:
        path.write_text(after, encoding="utf-8")
    review.mark_exported(plan.exported, actor=Actor(name=CLI_ACTOR, role="admin", via="cli"))
    written = ", ".join(str(path.relative_to(home)) for path, _ in changes) or "no file (all already there)"
    out.write(
        f"exported {len(plan.exported)} label(s), {plan.added} new example(s) or alias(es): {written}\n"
        "review the diff, commit it, then run `supportbot train`\n"
    )
    return plan


def _content(text: str) -> Any:
    """What a file says, ignoring comments and layout (a header change alone is no change)."""
    import yaml

    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return text


def _refuse_eval(home: Path, *paths: Path) -> None:
    frozen = (home / "eval").resolve()
    for path in paths:
        if path.resolve().is_relative_to(frozen):
            raise UsageError(
                f"{path} is inside eval/ (frozen evaluation data); review export never writes there"
            )


def _export(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.review import build_review_service

    settings = get_settings()
    export(settings, build_review_service(settings), dry_run=args.dry_run)
    return 0
