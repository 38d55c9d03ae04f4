"""The command line, run as a subprocess on a fresh index."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from news_site import requests_since, serve

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture()
def fresh_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}


def test_refresh_sources_progress_table_and_model_check(fresh_env: dict[str, str],
                                                         tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"  # the seed article, plus what the refresh adds
    shutil.copytree(fresh_env["ASSISTANT_CORPUS_DIR"], corpus)
    note = tmp_path / "note.md"
    note.write_text("---\ntitle: Marée noire\n---\nUne marée noire a touché les côtes "
                    "bretonnes samedi, selon la préfecture maritime.\n", encoding="utf-8")
    env = {**fresh_env, "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_ALLOW_PRIVATE_URLS": "1"}  # the test site is on 127.0.0.1
    with serve() as site:
        base = f"http://127.0.0.1:{site.server_address[1]}"
        first = run(["refresh", str(note), f"{base}/article", f"{base}/feed.xml",
                     f"{base}/missing"], env)
        assert first.returncode == 1, first.stderr  # one source failed
        out = first.stdout
        embedded = int(out.split("passages embedded:")[1].split()[0])
        assert embedded > 10
        assert re.search(r"^added +5  (\S+, ){4}\S+$", out, re.M), out
        assert "course-ia-financement" in out
        for row in ("updated +0", "removed +0", "unchanged +0", f"errors +1  {base}/missing"):
            assert re.search(f"^{row}$", out, re.M), (row, out)
        assert f"error: {base}/missing: HTTP 404 for {base}/missing" in out
        # The progress bar, on stderr: passages done out of all, articles embedded.
        bar = first.stderr
        assert re.search(rf"Embedding: 100%.*\b{embedded}/{embedded}\b.*passage", bar), bar
        assert "5 articles" in bar

        hits = dict(site.hits)  # type: ignore[attr-defined]
        second = run(["refresh", f"{base}/feed.xml"], env)
        assert second.returncode == 0, second.stderr
        assert re.search(r"^unchanged +5  ", second.stdout, re.M)
        assert re.search(r"^added +0$", second.stdout, re.M)
        assert "passages embedded: 0" in second.stdout
        assert "Embedding" not in second.stderr  # nothing to embed, no bar
        assert requests_since(site, hits) == {"/feed.xml": 1}  # no entry page again

    # Another embedding model (a copy elsewhere: the packaged model's own folder is the
    # same model): refused, the way out named, exit status 2.
    from assistant.embeddings import packaged_model_path

    copy = shutil.copytree(packaged_model_path(), tmp_path / "another-model")
    other = run(["refresh"], {**env, "ASSISTANT_EMBEDDING_MODEL": str(copy)})
    assert other.returncode == 2
    assert "python -m assistant refresh --rebuild" in other.stderr
    assert other.stdout == ""


def test_ask_prints_answer_and_numbered_sources(fresh_env: dict[str, str]) -> None:
    out = run(["ask", "Combien OpenAI a-t-il levé en octobre ?"], fresh_env)
    assert out.returncode == 0, out.stderr
    assert "6,6 milliards" in out.stdout
    assert "[1] Course à l’IA générative" in out.stdout  # title of the cited article
    # Every line of a passage is indented under its source line.
    block = out.stdout.split("\n[1] ", 1)[1].split("\n[2] ")[0].strip().splitlines()[1:]
    assert block and all(line.startswith("    ") for line in block if line), block


def test_ask_says_when_the_question_is_cut(fresh_env: dict[str, str]) -> None:
    env = {**fresh_env, "ASSISTANT_MAX_QUESTION_CHARS": "40"}
    out = run(["ask", "Un très long préambule sans rapport. Combien OpenAI a-t-il levé ?"], env)
    assert out.returncode == 0, out.stderr
    assert "note: the question is cut to its first 40 characters" in out.stderr
    short = run(["ask", "Combien OpenAI a-t-il levé ?"], env)
    assert "note:" not in short.stderr


def test_eval_prints_the_table(fresh_env: dict[str, str]) -> None:
    out = run(["eval", "--k", "3"], fresh_env, timeout=900)
    assert out.returncode == 0, out.stderr
    assert "| recall@3 |" in out.stdout and "| refused |" in out.stdout
    assert re.search(r"questions in [\d.]+ s, over 1 article of \S+corpus", out.stdout)


def test_settings_lists_every_variable(fresh_env: dict[str, str]) -> None:
    out = run(["settings"], fresh_env)
    assert "ASSISTANT_EMBEDDING_MODEL" in out.stdout and "ASSISTANT_INDEX_DIR" in out.stdout


def test_bad_input_to_every_command_is_one_line(fresh_env: dict[str, str],
                                                tmp_path: Path) -> None:
    """A missing or malformed question set, a feed address that is none, a model the
    machine does not have: one ``error:`` line each, exit 2, no traceback."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Qui ?"}\nnot json\n', encoding="utf-8")
    cases = [
        (["eval", str(tmp_path / "missing.jsonl")], fresh_env, "missing.jsonl: No such file"),
        (["eval", str(bad)], fresh_env, "bad.jsonl: line 2 is not JSON"),
        (["feeds", "add", "not-a-url"], fresh_env, "not an http(s) feed address"),
        (["ask", "Qui ?"], {**fresh_env, "ASSISTANT_EMBEDDING_MODEL": "no-such/model-here"},
         "embedding model 'no-such/model-here' is not on this machine"),
    ]
    for args, env, message in cases:
        out = run(args, env)
        assert out.returncode == 2, (args, out.stderr)
        assert "Traceback" not in out.stderr, (args, out.stderr)
        errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and message in errors[0], (args, out.stderr)
