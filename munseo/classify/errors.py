"""Errors of the classify stage. Each names the file (and line, where there is one) at fault."""

from __future__ import annotations

from pathlib import Path


class ClassifyError(Exception):
    """Base class: a message a person can act on."""


class SchemaError(ClassifyError):
    """A label schema (``label_mappings.json``) is malformed."""

    def __init__(self, source: Path | str, message: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else str(source)
        super().__init__(f"{where}: {message}")
        self.source, self.line = str(source), line


class DataError(ClassifyError):
    """Training or evaluation data is malformed or does not fit the schema."""

    def __init__(self, source: Path | str, message: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line is not None else str(source)
        super().__init__(f"{where}: {message}")
        self.source, self.line = str(source), line


class ModelError(ClassifyError):
    """A model folder is missing, incomplete or corrupt."""

    def __init__(self, folder: Path | str, message: str) -> None:
        super().__init__(f"model folder {folder}: {message}")
        self.folder = str(folder)


class RegistryError(Exception):
    """A model cannot be registered or activated; the message says why."""


class UnknownVersion(RegistryError):
    """No model version of that name is registered."""
