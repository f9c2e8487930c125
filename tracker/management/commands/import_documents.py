from collections.abc import Iterable
from typing import Any, TextIO, TypeVar, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from tracker.importers.document_import import import_documents
from tracker.importers.errors import SourceError
from tracker.matching import suggest_for_actions

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "Import White House documents (fact sheets and presidential actions: Markdown with YAML "
        "front matter) from files or folders; the kind comes from the front matter's tags and "
        "the title. Each file is imported in its own transaction; a file that fails is reported "
        "and writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Document files, or folders to search.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report, but write nothing."
        )
        parser.add_argument(
            "--no-suggest",
            action="store_true",
            help="Do not suggest matches for the new actions (run `suggest` later).",
        )

    def handle(
        self,
        *args: Any,
        paths: list[str],
        dry_run: bool,
        no_suggest: bool,
        verbosity: int,
        **options: Any,
    ) -> None:
        def progress(items: Iterable[T]) -> Iterable[T]:
            # The wrapped stream itself: OutputWrapper.write would end each redraw with "\n".
            stream = cast(TextIO, self.stderr._out)
            return tqdm(items, unit="file", disable=verbosity == 0, file=stream)

        try:
            summary = import_documents(paths, dry_run=dry_run, progress=progress)
        except SourceError as error:  # seeds/administrations.yaml, loaded on the first import
            raise CommandError(str(error)) from None
        for _path, reason in summary.failed:
            self.stderr.write(f"failed: {reason}")
        if verbosity > 1:
            for path, reason in summary.flagged:
                self.stdout.write(f"flagged: {path}: {reason}")
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(prefix + str(summary))
        if summary.new_action_ids and not no_suggest:
            created, _, _ = suggest_for_actions(summary.new_action_ids)
            self.stdout.write(f"Suggestions for the new actions: {created} created.")
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} file(s) failed; see the reasons above.")
