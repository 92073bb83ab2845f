"""The instruction-count guard's arithmetic: what it reads from callgrind and when it fails.
(`make test` runs the guard itself on the build under test.)"""
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("guard", os.path.join(ROOT, "scripts", "instruction-guard.py"))
guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(guard)


def test_reads_the_totals_line_of_a_callgrind_file():
    text = "# callgrind format\nversion: 1\ncmd: probe\nevents: Ir\nfl=(1) a.c\nfn=(1) main\n3 12\nsummary: 123456\ntotals: 123456\n"
    assert guard.callgrind_total(text) == 123456


def test_fails_above_ten_percent_and_names_a_changed_archive():
    baseline = {"samples": {"items": 100, "per_item": 1000.0}, "cardinality": {"items": 50, "per_item": 2000.0}}
    rows = {row[0]: row[4] for row in guard.compare(
        {"samples": {"items": 100, "per_item": 1101.0}, "cardinality": {"items": 50, "per_item": 2199.0}}, baseline)}
    assert rows == {"samples": "slower", "cardinality": "ok"}
    rows = {row[0]: row[4] for row in guard.compare(
        {"samples": {"items": 101, "per_item": 1000.0}, "cardinality": {"items": 50, "per_item": 1700.0}}, baseline)}
    assert rows == {"samples": "changed", "cardinality": "faster"}
