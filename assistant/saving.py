"""Files saved into the corpus folder: the articles ingest writes and the feeds' state.

Each is written whole or not at all (a temporary file in the same folder, then a
rename) and gets the mode of a newly created file (``0o666`` less the umask): the
temporary file's own ``0o600`` hid it from a web app or another account reading the
folder. (The umask is the knob: 077 keeps the files private.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

import yaml

from .sources import Article, SourceError

log = logging.getLogger(__name__)


def _umask_now() -> int:
    """The process's umask, read without changing it where the system says it
    (Linux: /proc/self/status), else set and put back at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666`` less the umask."""
    return 0o666 & ~_umask_now()


def write_atomic(path: Path, data: bytes, prefix: str = ".tmp-") -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file (named
    ``prefix``…) in its folder, flushed to disk, given :func:`new_file_mode`, then
    renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def front_matter(article: Article) -> str:
    """The article's front-matter block (the five known keys, then its extra ones)."""
    meta: dict = {
        "title": article.title,
        "language": article.language,
        "published": article.published,
        "url": article.url,
        "outlet": article.outlet,
    }
    for key, value in article.extra.items():
        if key not in meta:
            meta[key] = value
    try:
        head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    except yaml.YAMLError:  # an exotic extra value: keep the five known keys only
        head = yaml.safe_dump({k: meta[k] for k in list(meta)[:5]}, allow_unicode=True,
                              sort_keys=False, width=1000)
    return f"---\n{head}---\n\n"


def write_article(corpus_dir: Path, aid: str, article: Article) -> Path:
    """Write ``<aid>.md`` (front matter, then the text) into ``corpus_dir``, atomically."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    root = corpus_dir.resolve()
    target = (root / f"{aid}.md").resolve()
    if target.parent != root:
        raise SourceError(f"refused: '{aid}' would be written outside the corpus folder")
    data = (front_matter(article) + article.text.strip() + "\n").encode("utf-8")
    write_atomic(target, data, prefix=".ingest-")
    log.info("saved %s", target.name)
    return target
