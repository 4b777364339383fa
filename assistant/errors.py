"""The assistant's error hierarchy: the library raises these, the CLI and the app turn them into messages."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: every error the library raises on purpose."""


class DocumentError(AssistantError):
    """A corpus file that cannot be read as a report (empty, binary, bad encoding, no content)."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, reason, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class CorpusError(AssistantError):
    """The corpus as a whole is unusable (missing folder, no readable report)."""


class IndexFileError(AssistantError):
    """The index on disk is missing, corrupt or does not match the corpus or model."""


class ModelError(AssistantError):
    """The embedding model cannot be found or loaded."""


class QuestionError(AssistantError):
    """A question that cannot be asked (empty, or too long)."""


class LexiconError(AssistantError):
    """The domain-word file (`assistant/data/lexicon.toml`) is missing or malformed."""


class RouterFileError(AssistantError):
    """The fitted router parameters (``assistant/data/router.json``) are missing, corrupt or stale."""
