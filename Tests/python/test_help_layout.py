"""The help text as people read it: argument-parser wraps every line of a discussion on its
own at the terminal's width, so a paragraph hard-wrapped in the source comes out with ragged
breaks ("66 input" / "missing; 69 ..."), and a list item longer than the width spills onto a
line of its own. These tests render every command's help at a terminal's usual width and a
wide one and look for either, and check that the root help lists every exit code the README
documents, one per line."""
import os
import re
import subprocess

import pytest

from conftest import BIN, ROOT

WIDTHS = [80, 200]


def render_help(arguments, width):
    environment = dict(os.environ, COLUMNS=str(width), LINES="50")
    result = subprocess.run([BIN, *arguments, "--help"], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def overview(help_text):
    """The OVERVIEW section: the abstract and the discussion, up to USAGE."""
    lines = help_text.splitlines()
    assert lines[0].startswith("OVERVIEW: "), lines[0]
    end = next(index for index, line in enumerate(lines) if line.startswith("USAGE:"))
    return lines[:end]


def subcommands(help_text):
    lines = help_text.splitlines()
    if "SUBCOMMANDS:" not in lines:
        return []
    names = []
    for line in lines[lines.index("SUBCOMMANDS:") + 1:]:
        match = re.match(r"  ([a-z][a-z-]*)(?: \(default\))?\s{2,}\S", line)
        if match:
            names.append(match.group(1))
        elif line.strip() and not line.startswith("   "):
            break
    return names


def every_command():
    commands, queue = [], [[]]
    while queue:
        command = queue.pop(0)
        commands.append(command)
        queue += [command + [name] for name in subcommands(render_help(command, 200))]
    return commands


COMMANDS = every_command()


def ragged_breaks(lines, width):
    """Lines that start mid-sentence: a line of prose that follows a non-blank line although
    its first word would have fitted there (a line break in the source, not the width's), or
    a line of prose that follows an indented (list) line (the item was too long and wrapped)."""
    problems = []
    for previous, line in zip(lines, lines[1:]):
        if not previous.strip() or not line.strip() or line.startswith(" "):
            continue
        first_word = line.split()[0]
        if previous.startswith(" "):
            problems.append(f"a list line spilled over: {previous!r} / {line!r}")
        # argument-parser's lines are at most width - 1 long.
        elif len(previous) + 1 + len(first_word) < width - 1 and not previous.rstrip().endswith(":"):
            problems.append(f"breaks mid-sentence: {previous!r} / {line!r}")
    return problems


def test_every_command_is_checked():
    names = {" ".join(command) for command in COMMANDS}
    for expected in ["", "capture", "etl", "replay", "health", "query", "query inbound", "samples"]:
        assert expected in names, f"`{expected}` was not found in the help tree: {sorted(names)}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "root")
def test_no_help_line_starts_mid_sentence(command, width):
    lines = overview(render_help(command, width))
    assert ragged_breaks(lines, width) == []
    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]


def test_ragged_breaks_finds_the_old_exit_code_paragraph():
    """The check itself finds the layout this issue was filed for (argument-parser's rendering
    of the old root help at 80 columns)."""
    old = [
        "Exit codes: 0 success; 64 usage error; 65 corrupt, unsealed or refused input;",
        "66 input",
        "missing; 69 database, Slack or Graphviz unavailable; 70 a database statement",
        "  capture -> archive of sealed segments -> transform -> edge batch -> load ->",
        "PostgreSQL -> reports",
    ]
    assert len(ragged_breaks(old, 80)) == 2
    assert ragged_breaks(old[:1] + ["66 input missing; 69 database"], 80) == []


def readme_exit_codes():
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = set()
    for cell in re.findall(r"^\| ([0-9, ]+) \|", section, flags=re.M):
        codes |= {int(code) for code in cell.split(",")}
    return codes


@pytest.mark.parametrize("width", WIDTHS)
def test_root_help_lists_every_exit_code_one_per_line(width):
    lines = overview(render_help([], width))
    start = next(index for index, line in enumerate(lines) if line.startswith("Exit codes"))
    listed = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        match = re.match(r"  (\d+)\s{2,}\S", line)
        if match:
            listed.append(int(match.group(1)))
        else:
            assert re.match(r" {5,}\S", line), f"not a code and not a continuation of one: {line!r}"
    assert len(listed) == len(set(listed)), f"a code is listed twice: {listed}"
    assert listed == sorted(listed)
    assert set(listed) == readme_exit_codes(), "the root help and the README's exit-code table differ"
