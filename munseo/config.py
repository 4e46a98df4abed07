"""Settings from environment variables (``MUNSEO_*``) and an optional ``munseo.toml``.

Precedence, highest first: explicit keyword arguments, environment variables, the TOML file
(``MUNSEO_CONFIG`` or ``./munseo.toml``), defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _config_file() -> Path:
    return Path(os.environ.get("MUNSEO_CONFIG", "munseo.toml"))


class Settings(BaseSettings):
    """Everything a deployment may tune. Each field is ``MUNSEO_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="MUNSEO_", extra="ignore")

    data_dir: Path = Field(Path("munseo-data"), description="Originals, page images and the SQLite file.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: a SQLite file inside data_dir.")
    dpi: int = Field(300, ge=72, le=600, description="Render resolution for pages that need OCR.")
    preview_dpi: int = Field(100, ge=36, le=300, description="Render resolution of text-layer pages.")
    check_text_layer: bool = Field(
        True,
        description="Read one line of each text-layer page by OCR; a layer that says something else than the page "
        "shows (mis-mapped fonts) is replaced by an OCR reading.",
    )
    workers: int = Field(0, ge=0, description="OCR processes; 0 means one per CPU core.")
    ocr_engine: str = Field(
        "tesseract",
        description="OCR engine: a name in munseo.ocr.ENGINES, or 'module:attribute' of a factory taking the settings.",
    )
    languages: str = Field(
        "Hangul",
        description="Tesseract model(s) for the page, e.g. 'Hangul', 'kor+eng', 'Hangul+HanT' (BENCHMARKS.md).",
    )
    latin_languages: str = Field(
        "eng", description="Model for pages and lines that read as Latin script; empty: never read again."
    )
    hanja_languages: str = Field(
        "HanT",
        description="Model for Hanja in words the main model reads in doubt (only on pages where some hold "
        "Hanja); empty: never.",
    )
    tessdata_dir: Path | None = Field(None, description="Folder with *.traineddata; found if unset.")
    deskew: bool = True
    denoise: bool | None = Field(None, description="Median-filter the page; unset: only pages measured as noisy.")
    binarize: bool | None = Field(None, description="Binarise the page; unset: only when a poor reading is read again.")
    ocr_repair: bool = Field(True, description="Put back ·, ①, ○, □, ∼, 「」 that the Korean models cannot write.")
    ocr_retry_confidence: float = Field(
        0.75, ge=0, le=1, description="A page read below this confidence is read again (other treatment, turned)."
    )
    ocr_review_confidence: float = Field(
        0.7, ge=0, le=1, description="A page whose confidence stays below this is flagged for review."
    )
    max_pixels: int = Field(
        100_000_000, ge=1, description="Largest page image (width x height) accepted, a bomb guard."
    )
    max_file_bytes: int = Field(512 * 1024 * 1024, ge=1, description="Largest input file accepted.")
    max_pages: int = Field(2000, ge=1, description="Most pages accepted in one document.")
    page_time_limit: float = Field(120, gt=0, description="Seconds OCR may spend on one page before it fails.")
    document_time_limit: float = Field(
        3600, gt=0, description="Seconds the pages of one document may take in all before it fails."
    )
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker for --executor celery.")
    job_stale_seconds: float = Field(
        120.0, gt=0, description="A running job with no heartbeat for this long is taken to be lost and retried."
    )
    job_max_attempts: int = Field(
        5, ge=1, description="Times a worker may take a job (OCR and classification stages together) before it fails."
    )
    sync_max_pages: int = Field(5, ge=1, description="Most pages POST /api/classify/document reads in the request.")
    retrain_after_corrections: int = Field(
        50, ge=0, description="Retrain by itself after this many label corrections by reviewers (0: never)."
    )
    retrain_backend: str = Field("linear", description="Backend of retrains started by a trigger.")
    retrain_every_hours: float = Field(
        0.0, ge=0, description="Retrain on a schedule: when the last run was asked for this long ago (0: never)."
    )
    promotion_margin: float = Field(
        0.01,
        ge=0,
        le=1,
        description="A candidate is promoted only if no task's macro-F1 on the fixed set is lower than the "
        "active version's by more than this (and one is higher).",
    )
    mlflow_uri: str | None = Field(
        None,
        description="Where retrains are logged when MLflow is installed: a folder or a tracking URI "
        "(default: DATA_DIR/mlflow; 'off': not logged).",
    )
    fixed_set_percent: int = Field(
        20, ge=1, le=90, description="Share of reviewed documents (chosen by content hash) kept out of training."
    )
    drift_window: int = Field(200, ge=10, description="Reviewed documents the rolling accuracy is measured on.")
    drift_drop: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Drift alarm when the rolling accuracy falls this far below the fixed-set accuracy.",
    )
    login_attempts_per_minute: int = Field(
        10, ge=1, description="Failed sign-ins one client address may make per minute; more get 429."
    )
    stage_plugins: list[str] = Field(
        default_factory=list,
        description="Extra processing stages run after the built-in ones, as 'module:attribute' names of "
        "munseo.stages.Stage objects (JSON list in MUNSEO_STAGE_PLUGINS).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_config_file()),
        )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'munseo.db').resolve()}"

    @property
    def resolved_workers(self) -> int:
        return self.workers or max(1, os.cpu_count() or 1)
