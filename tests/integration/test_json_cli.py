"""cachet-json, the command-line tool: every subcommand, exit status and error message."""
import os
import subprocess
from pathlib import Path

import pytest

from support import ROOT

CLI = os.environ.get("CACHET_JSON_CLI", str(ROOT / "build/release/bin/cachet-json"))
DATA = ROOT.parent / "shared/data/json"


def run(*args, stdin=b""):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=60)


def test_check_valid_file_and_stdin(tmp_path):
    f = tmp_path / "ok.json"
    f.write_bytes(b'{"a": [1, 2.5, "x", null]}\n')
    assert run("check", str(f)).returncode == 0
    assert run("check", stdin=b"[true]").returncode == 0
    assert run("check", "-", stdin=b"[true]").returncode == 0


def test_check_invalid_reports_file_line_column(tmp_path):
    f = tmp_path / "bad.json"
    f.write_bytes(b'{\n  "a": [1,\n    tru]\n}')
    r = run("check", str(f))
    assert r.returncode == 1
    assert r.stderr.decode() == f"{f}:3:5: invalid literal (expected true, false or null)\n"
    r = run("check", stdin=b"[1,]")
    assert r.returncode == 1
    assert r.stderr.decode() == "<stdin>:1:4: trailing comma\n"


def test_fmt_and_min():
    doc = b'{"a":[1,{"b":"\\u00e9"}],"c":{}}'
    r = run("fmt", stdin=doc)
    assert r.returncode == 0
    assert r.stdout == '{\n  "a": [\n    1,\n    {\n      "b": "é"\n    }\n  ],\n  "c": {}\n}\n'.encode()
    r = run("fmt", "--indent", "4", stdin=b"[1]")
    assert r.stdout == b"[\n    1\n]\n"
    r = run("min", stdin=b' [ 1 , { "k" : "v" } ] ')
    assert r.stdout == b'[1,{"k":"v"}]\n'


def test_get_pointer():
    doc = b'{"a":{"b/c":[10,{"d":"x"}]}}'
    assert run("get", "/a/b~1c/1/d", stdin=doc).stdout == b'"x"\n'
    assert run("get", "", stdin=doc).stdout == b'{"a":{"b/c":[10,{"d":"x"}]}}\n'
    r = run("get", "/a/zz", stdin=doc)
    assert r.returncode == 1
    assert r.stderr.decode() == "<stdin>: /a/zz: no such key\n"
    r = run("get", "nope", stdin=doc)
    assert r.returncode == 1
    assert "invalid JSON Pointer" in r.stderr.decode()


@pytest.mark.parametrize("args", [[], ["bogus"], ["get"], ["check", "a", "b"], ["fmt", "--indent", "x"],
                                  ["min", "--color"]])
def test_usage_errors_exit_2(args):
    r = run(*args)
    assert r.returncode == 2
    assert r.stderr.startswith(b"cachet-json: ")
    assert b"usage:" in r.stderr


def test_io_error_exit_2(tmp_path):
    r = run("check", str(tmp_path / "missing.json"))
    assert r.returncode == 2
    assert r.stderr.decode().startswith(f"cachet-json: cannot open {tmp_path / 'missing.json'}: ")


def test_corpus_round_trips_through_min_and_fmt():
    corpus = DATA / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} absent (../shared not present)")
    for name in ("twitter", "citm_catalog", "canada"):
        original = (corpus / f"{name}.json").read_bytes()
        minified = run("min", str(corpus / f"{name}.json")).stdout
        pretty = run("fmt", stdin=minified).stdout
        assert run("min", stdin=pretty).stdout == minified
        assert len(minified) < len(original)
