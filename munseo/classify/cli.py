"""Commands of the classify stage, registered by ``munseo.cli``:

app.command("train")(train_command)
app.command("evaluate")(evaluate_command)
app.command("classify")(classify_command)
app.add_typer(labels_app, name="labels")
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from munseo.classify.backends import BACKENDS, UnknownBackend
from munseo.classify.data import SourceOptions, load_dataset, read_source
from munseo.classify.errors import ClassifyError
from munseo.classify.features import FeatureConfig
from munseo.classify.inference import Classifier, Prediction, default_model_folder
from munseo.classify.options import DEFAULT_FEATURES, LinearOptions, TrainOptions, TransformerOptions
from munseo.classify.package import json_text
from munseo.classify.schema import infer_schema, load_schema
from munseo.classify.train import rare_labels, train
from munseo.errors import exit_code

console = Console()
err = Console(stderr=True)

labels_app = typer.Typer(help="Label schemas (label_mappings.json).", no_args_is_help=True)

DataOption = Annotated[
    list[str],
    typer.Option(
        "--data",
        help="JSONL or CSV file, synth folder (or its manifest.jsonl), folder tree DATA/<label>/<file>, 'db', "
        "or a database URL. Repeat for more.",
    ),
]
TextColumnOption = Annotated[str, typer.Option(help="CSV: the column with the text.")]
LabelColumnOption = Annotated[
    list[str] | None,
    typer.Option("--label-column", help="CSV: a column holding a task's labels (default: every other column)."),
]
FolderTaskOption = Annotated[
    str, typer.Option(help="Folder tree DATA/<label>/<file>: the task its sub-folders are the labels of.")
]


@contextmanager
def _source_options(text_column: str, label_column: list[str] | None, folder_task: str) -> Iterator[SourceOptions]:
    """The options for reading training data, with a progress bar while a folder's documents are read
    (shown from the first document read: other sources show none)."""
    bar = Progress(
        *Progress.get_default_columns(), MofNCompleteColumn(), console=err, transient=True, redirect_stdout=False
    )
    task = bar.add_task("reading documents", total=None)

    def show(done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield SourceOptions(
            text_column=text_column, label_columns=tuple(label_column or ()), folder_task=folder_task, progress=show
        )
    finally:
        if bar.live.is_started:
            bar.stop()


ThresholdOption = Annotated[
    list[str] | None,
    typer.Option("--threshold", help="Review threshold: 0.8 for every task, or TASK=0.8 (repeatable)."),
]


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(exit_code(exc))


def _thresholds(values: list[str] | None) -> float | dict[str, float] | None:
    if not values:
        return None
    per_task: dict[str, float] = {}
    for value in values:
        task, _, number = value.rpartition("=")
        try:
            threshold = float(number)
        except ValueError:
            raise typer.BadParameter(f"{value!r}: expected a number or TASK=NUMBER") from None
        if not 0 <= threshold <= 1:
            raise typer.BadParameter(f"{value!r}: a threshold lies between 0 and 1")
        if not task:
            return threshold
        per_task[task] = threshold
    return per_task


def train_command(
    data: DataOption,
    out: Annotated[Path, typer.Option("--out", help="The model folder to write (models/NAME).")],
    backend: Annotated[str, typer.Option(help="linear (seconds to train) or transformer.")] = "linear",
    labels: Annotated[Path | None, typer.Option("--labels", help="Label schema (default: the shipped one).")] = None,
    quantize: Annotated[bool, typer.Option("--quantize", help="Also write a dynamic INT8 model and use it.")] = False,
    dev_fraction: Annotated[
        float, typer.Option(min=0.01, max=0.9, help="Share of the data held out for dev metrics and calibration.")
    ] = 0.15,
    seed: Annotated[int, typer.Option(help="Random seed (split, initialisation, shuffling).")] = 13,
    threshold: Annotated[float, typer.Option(help="Default review threshold of every task.")] = 0.70,
    loose_pages: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of multi-page documents also trained on as loose pages (without page 1)."
        ),
    ] = 1.0,
    analyzer: Annotated[
        str,
        typer.Option(
            help="linear: char_wb (2–4-grams inside words), char (1–3-grams across words) or morph "
            "(kiwipiepy morphemes)."
        ),
    ] = "char_wb",
    encoder: Annotated[
        Path | None,
        typer.Option(
            help="transformer: local Hugging Face encoder folder (default: a small encoder trained from scratch)."
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="transformer: most epochs (early stopping on dev macro-F1).")] = 10,
    batch_size: Annotated[int, typer.Option(help="transformer: documents per batch.")] = 16,
    grad_accumulation: Annotated[int, typer.Option(help="transformer: batches per optimiser step.")] = 1,
    learning_rate: Annotated[float | None, typer.Option(help="transformer: peak learning rate.")] = None,
    focal_gamma: Annotated[float | None, typer.Option(help="transformer: focal loss with this gamma.")] = None,
    chunk_tokens: Annotated[int, typer.Option(help="transformer: tokens per chunk.")] = 256,
    max_chunks: Annotated[int, typer.Option(help="transformer: chunks read per document.")] = 4,
    min_examples: Annotated[
        int, typer.Option(min=1, help="Warn about labels with fewer training examples than this.")
    ] = 10,
    refit: Annotated[
        bool, typer.Option(help="linear: after calibrating on the dev splits, fit again on train + dev.")
    ] = True,
    calibration_folds: Annotated[
        int,
        typer.Option(
            min=1,
            help="linear, with a refit: calibrate on up to this many dev splits that do not overlap, each held out "
            "from a fit of its own (1: one dev split and no extra fits, the fastest).",
        ),
    ] = 5,
    text_column: TextColumnOption = "text",
    label_column: LabelColumnOption = None,
    folder_task: FolderTaskOption = "label",
) -> None:
    """Train a classifier and write a versioned model folder (ONNX, config, labels, metrics)."""
    if backend not in BACKENDS:
        raise typer.BadParameter(str(UnknownBackend(backend)))
    analyzers = {
        "char_wb": DEFAULT_FEATURES,
        "char": FeatureConfig(),
        "morph": FeatureConfig(analyzer="morph", ngram_max=2),
    }
    if analyzer not in analyzers:
        raise typer.BadParameter(f"unknown analyzer {analyzer!r}: choose char_wb, char or morph")
    features = analyzers[analyzer]
    options = TrainOptions(
        backend=backend,
        dev_fraction=dev_fraction,
        seed=seed,
        quantize=quantize,
        threshold=threshold,
        loose_pages=loose_pages,
        refit=refit,
        calibration_folds=calibration_folds,
        min_examples=min_examples,
        linear=LinearOptions(features=features),
        transformer=TransformerOptions(
            encoder=encoder,
            epochs=epochs,
            batch_size=batch_size,
            grad_accumulation=grad_accumulation,
            learning_rate=learning_rate,
            focal_gamma=focal_gamma,
            chunk_tokens=chunk_tokens,
            max_chunks=max_chunks,
        ),
    )
    try:
        schema = load_schema(labels)
        with _source_options(text_column, label_column, folder_task) as source_options:
            dataset = load_dataset(data, schema, source_options)
        for reason, count in dataset.skipped.items():
            err.print(f"[yellow]left out[/yellow] {count} {reason}")
        _warn_rare(dataset.label_counts(schema), min_examples)
        result = train(dataset, schema, out, options, log=lambda line: err.print(f"[dim]{line}[/dim]"))
    except ClassifyError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{result.version}: dev metrics ({result.metrics['calibration_examples']} held-out examples)")
    for column in ("task", "accuracy", "macro-F1", "ECE before", "ECE after", "calibration"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, m in result.metrics["dev"].items():
        before = m["ece_uncalibrated"]
        table.add_row(
            task,
            f"{m['accuracy']:.4f}",
            f"{m['macro_f1']:.4f}",
            "–" if before is None else f"{before:.4f}",
            f"{m['ece']:.4f}",
            f"T {m['temperature']:.3f}" + (" + map" if m.get("confidence_map") else ""),
        )
    console.print(table)
    console.print(f"model folder: {result.folder} (trained in {result.seconds:.1f} s)")


def _warn_rare(counts: dict[str, dict[str, int]], fewest: int) -> None:
    """Name the labels with fewer than ``fewest`` examples, and those with none, and say what
    training does with them."""
    for task, rare in rare_labels(counts, fewest).items():
        listed = ", ".join(f"{label} ({n})" for label, n in sorted(rare.items(), key=lambda item: item[1]))
        err.print(
            f"[yellow]warning:[/yellow] task {task!r}: {len(rare)} labels with fewer than {fewest} examples: {listed}. "
            "They are learned, not dropped: class weights make each weigh as much as a common label, and a label "
            "too rare to spare an example for the dev split keeps all of them for training. Expect their "
            "predictions to be less reliable; the review gate sends the unsure ones to review."
        )
    for task, labels in counts.items():
        absent = [label for label, n in labels.items() if n == 0]
        if absent:
            err.print(
                f"[yellow]warning:[/yellow] task {task!r}: {len(absent)} labels of the schema have no examples "
                f"({', '.join(absent[:10])}{', …' if len(absent) > 10 else ''}); the model never predicts them."
            )


def evaluate_command(
    model: Annotated[Path, typer.Argument(help="A model folder.")],
    data: DataOption,
    report: Annotated[Path | None, typer.Option("--report", help="Write report.md, PNGs and JSON here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    threshold: ThresholdOption = None,
    text_column: TextColumnOption = "text",
    label_column: LabelColumnOption = None,
    folder_task: FolderTaskOption = "label",
) -> None:
    """Evaluate a model: accuracy, macro-F1, per-class figures, calibration, coverage by threshold.
    Documents with a label the model has never seen are counted apart, with how many went to review."""
    from munseo.classify.evaluate import evaluate, write_report

    try:
        classifier = Classifier(model, thresholds=_thresholds(threshold))
        with _source_options(text_column, label_column, folder_task) as options:
            dataset = load_dataset(data, classifier.schema, options, keep_unseen=True)
        evaluation = evaluate(classifier, dataset)
    except ClassifyError as exc:
        raise _fail(exc) from exc
    if report is not None:
        path = write_report(evaluation, report, list(data))
        err.print(f"report: {path}")
    if as_json:
        sys.stdout.write(json_text(evaluation.to_dict()))
        return
    table = Table(title=f"{evaluation.model_version} on {evaluation.count} documents")
    for column in ("task", "accuracy", "macro-F1", "ECE", "threshold", "auto-accepted", "accuracy among them"):
        table.add_column(column, justify="left" if column == "task" else "right")
    for task, m in evaluation.tasks.items():
        point = evaluation.review["per_task"][task]
        accuracy = "–" if point["accuracy"] is None else f"{point['accuracy']:.4f}"
        table.add_row(
            task,
            f"{m.accuracy:.4f}",
            f"{m.macro_f1:.4f}",
            f"{m.ece:.4f}",
            f"{point['threshold']:.2f}",
            f"{point['coverage']:.1%}",
            accuracy,
        )
    console.print(table)
    review = evaluation.review
    accepted = review["accuracy_auto_accepted"]
    console.print(
        f"needs review: {review['needs_review_share']:.1%}; auto-accepted documents with every task right: "
        f"{'–' if accepted is None else f'{accepted:.2%}'}"
    )
    for task, found in evaluation.unseen.items():
        console.print(
            f"{task}: {found['documents']} documents with a label the model has never seen "
            f"({', '.join(found['labels'])}); {found['sent_to_review']} ({found['review_share']:.1%}) sent to review"
        )


def _print_prediction(prediction: Prediction) -> None:
    table = Table(title=f"model {prediction.model_version}", show_header=True)
    for column in ("task", "label", "confidence", "review", "top 3"):
        table.add_column(column)
    for task, t in prediction.tasks.items():
        top = ", ".join(f"{label} {p:.2f}" for label, p in t.top(3))
        table.add_row(task, t.label, f"{t.confidence:.3f}", "[yellow]yes[/yellow]" if t.needs_review else "no", top)
    console.print(table)


def classify_command(
    file: Annotated[
        Path | None, typer.Argument(help="A PDF, PNG, JPEG or TIFF file (ingest + OCR + classify).")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Classify this text instead of a file.")] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model folder (default: $MUNSEO_MODEL or models/default).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    threshold: ThresholdOption = None,
) -> None:
    """Classify one file or a text: labels, confidences and the top 3 of every task."""
    if (file is None) == (text is None):
        raise typer.BadParameter("give a FILE or --text, not both")
    try:
        classifier = Classifier(model or default_model_folder(), thresholds=_thresholds(threshold))
    except ClassifyError as exc:
        raise _fail(exc) from exc
    if file is not None:
        from munseo.config import Settings
        from munseo.ingest import IngestError
        from munseo.ocr import OcrError
        from munseo.pipeline import read_file

        try:
            text = read_file(file, Settings()).text
        except (IngestError, OcrError) as exc:
            raise _fail(exc) from exc
    else:
        from munseo.text import document_text

        assert text is not None
        text = document_text([text])
    prediction = classifier.predict_one(text)
    if as_json:
        sys.stdout.write(json_text(prediction.to_dict()))
    else:
        _print_prediction(prediction)


@labels_app.command("infer")
def infer_command(
    data: Annotated[
        list[str], typer.Argument(help="Training data: JSONL or CSV file, synth folder, folder tree, 'db' or a URL.")
    ],
    text_column: TextColumnOption = "text",
    label_column: LabelColumnOption = None,
    folder_task: FolderTaskOption = "label",
) -> None:
    """Print a label schema made from the labels in DATA (sorted); counts go to stderr."""
    try:
        with _source_options(text_column, label_column, folder_task) as options:
            examples = [e for source in data for e in read_source(source, options) if not e.synthetic_unknown]
        schema, counts = infer_schema(e.labels for e in examples)
    except ClassifyError as exc:
        raise _fail(exc) from exc
    for task in schema.task_names:
        err.print(f"[bold]{task}[/bold] ({len(schema.labels(task))} labels)")
        for label in schema.labels(task):
            err.print(f"  {counts[task][label]:>7}  {label}")
    sys.stdout.write(schema.to_json())
