"""Every `vj` command the README, docs/*.md and the help texts show is a command line
that `vj` takes: each is parsed by vj's own argument parser (nothing is run), so no
example can go stale again.  A line with a placeholder (``[...]``, ``|``, ``...``) is
a synopsis, not an example, and is left out."""
import argparse
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLACEHOLDER = re.compile(r"[\[\]|<>]|\.\.\.|…|(^|\s)[A-Z][A-Z_]*(\s|$)")


def _examples_in_code_blocks(text: str):
    block = False
    joined = ""
    for line in text.splitlines():
        if line.strip().startswith("```"):
            block = not block
            joined = ""
            continue
        if not block:
            continue
        line = joined + line.strip()
        if line.endswith("\\"):
            joined = line[:-1] + " "
            continue
        joined = ""
        m = re.match(r"^(?:\$ )?(?:\.venv/bin/)?(vj .*)", line)
        if m:
            yield m.group(1)


def _inline_examples(text: str):
    for m in re.finditer(r"`((?:\.venv/bin/)?vj [a-z][^`]*)`", text):
        yield m.group(1).removeprefix(".venv/bin/")


def _help_examples():
    from vj.cli import build_parser

    def walk(p):
        yield p
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction):
                for sp in a.choices.values():
                    yield from walk(sp)

    for p in walk(build_parser()):
        texts = [p.description or ""] + [a.help or "" for a in p._actions]
        for t in texts:
            yield from _inline_examples(t)


def _command(line: str) -> list[str] | None:
    line = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
    if PLACEHOLDER.search(line):
        return None
    try:
        words = shlex.split(line)
    except ValueError:
        return None
    words = words[1:]             # "vj"
    # a fragment naming only options ("vj live --web"), or a bare subcommand, still parses
    return words or None


def _all():
    """example -> (where, strict): code blocks and help texts are whole command lines;
    code in prose may be a fragment (`vj avs --compare`) or a name (`"vj main"`)."""
    seen = {}
    for doc in DOCS:
        text = doc.read_text()
        for ex in _examples_in_code_blocks(text):
            seen.setdefault(ex, (doc.name, True))
        for ex in _inline_examples(text):
            seen.setdefault(ex, (doc.name, False))
    for ex in _help_examples():
        seen.setdefault(ex, ("vj --help", True))
    return seen


EXAMPLES = _all()


def test_the_docs_show_many_commands():
    runnable = [e for e in EXAMPLES if _command(e)]
    assert len(runnable) > 60, len(runnable)


@pytest.mark.parametrize("example", sorted(e for e in EXAMPLES if _command(e)))
def test_every_command_shown_parses(example, capsys):
    from vj.cli import build_parser

    words = _command(example)
    where, strict = EXAMPLES[example]
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if not strict and words[0] not in commands.choices:
        pytest.skip(f"{where}: `{example}` is a name in prose, not a command")
    try:
        parser.parse_args(words)
    except SystemExit as e:
        err = capsys.readouterr().err.strip().splitlines()
        if e.code == 0:         # --help, --version
            return
        last = err[-1] if err else str(e)
        # a fragment that lacks a required positional is still an example of its options;
        # in prose, an option named without its value is too
        if "the following arguments are required" in last or (
                not strict and "expected one argument" in last):
            return
        pytest.fail(f"{where}: `{example}`: {last}")
