from pathlib import Path

import pytest

from munseo.config import Settings


def test_defaults_env_and_toml_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    defaults = Settings()
    assert defaults.dpi == 300 and defaults.languages == "Hangul" and defaults.deskew
    assert defaults.resolved_database_url == f"sqlite:///{tmp_path / 'munseo-data' / 'munseo.db'}"

    (tmp_path / "munseo.toml").write_text('dpi = 200\nworkers = 3\ndatabase_url = "postgresql://db/munseo"\n')
    from_file = Settings()
    assert (from_file.dpi, from_file.resolved_workers) == (200, 3)
    assert from_file.resolved_database_url == "postgresql://db/munseo"

    monkeypatch.setenv("MUNSEO_DPI", "150")
    monkeypatch.setenv("MUNSEO_DATA_DIR", str(tmp_path / "elsewhere"))
    both = Settings()
    assert both.dpi == 150 and both.workers == 3 and both.data_dir == tmp_path / "elsewhere"
    assert Settings(dpi=400).dpi == 400


def test_config_file_named_by_env_and_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    custom = tmp_path / "conf" / "prod.toml"
    custom.parent.mkdir()
    custom.write_text("denoise = true\n")
    monkeypatch.setenv("MUNSEO_CONFIG", str(custom))
    assert Settings().denoise is True
    monkeypatch.setenv("MUNSEO_DPI", "5")
    with pytest.raises(ValueError, match="dpi"):
        Settings()
