"""``munseo synth``: a set and its summary tables; a bad option is refused."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from munseo.synth import (
    read_manifest,
)
from munseo.synth.cli import synth_command


def test_synth_command(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("synth")(synth_command)
    app.command("noop")(lambda: None)
    out = tmp_path / "set"
    result = CliRunner().invoke(
        app,
        [
            "synth",
            str(out),
            "--count",
            "3",
            "--seed",
            "2",
            "--include-unknown",
            "1",
            "--difficulty",
            "easy",
            "--scan-ratio",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Synthetic set" in result.output and "Documents per class" in result.output
    records = read_manifest(out / "manifest.jsonl")
    assert len(records) == 4 and sum(r.kind == "document" and r.born_digital for r in records) == 3
    bad = CliRunner().invoke(app, ["synth", str(out), "--difficulty", "extreme"])
    assert bad.exit_code != 0
