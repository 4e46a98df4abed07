"""Training options, shared and per backend (kept free of heavy imports: the CLI builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from munseo.classify.features import FeatureConfig
from munseo.classify.package import DEFAULT_THRESHOLD

# character 2–4-grams inside words of the first 10,000 characters: on hold-outs carved from the real
# corpora's training splits as accurate as 1–4-grams across words, with a third fewer non-zeros per
# document, so the SVMs train faster; the whole text beat its first 3,000 characters on statutes,
# and word 1–2-grams or a vocabulary of 1,000,000 added nothing. The first 100 characters' n-grams
# also count apart, at half weight (``head_chars``): on the same hold-outs statutes gained (ministry
# +1.9 accuracy / +3.1 macro-F1, law type +0.4 / +1.6, the title naming both) and bills, whose text
# opens with "제안이유" rather than a title, stayed within ±0.4; 200 characters or a quarter weight
# gained less, and four-digit years as features added nothing
DEFAULT_FEATURES = FeatureConfig(
    analyzer="char_wb", ngram_min=2, ngram_max=4, max_chars=10_000, head_chars=100, head_weight=0.5
)


@dataclass(frozen=True)
class LinearOptions:
    features: FeatureConfig = DEFAULT_FEATURES
    c: float = 2.0  # the SVM's inverse L2 penalty (measured on hold-outs of the real corpora)
    weight_cap: float = 3.0  # "balanced" class weights, capped at this (0: no class weights)
    # scale each feature by how strongly it tells one of the task's labels from the rest (see
    # ``linear.label_ratios``); 0: plain TF-IDF. The smoothing of the naive Bayes counts behind it.
    ratio_alpha: float = 1.0
    tol: float = 0.01  # liblinear's stopping tolerance (its own default is 0.1; scikit-learn's 1e-4)
    max_iter: int = 1000  # liblinear's coordinate-descent passes at most
    threads: int = 2  # groups of a task's labels fitted side by side, at most (see ``linear._fit_task``)
    # memory for liblinear's copies of the training rows: groups are fitted side by side only while
    # their copies fit in it (50,000 bills take 650 MiB a copy: one at a time, to stay under 2 GB)
    fit_memory_mib: float = 1000.0


@dataclass(frozen=True)
class TransformerOptions:
    encoder: Path | None = None  # local Hugging Face folder; None: a small encoder from scratch
    # the encoder trained from scratch
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    vocab_size: int = 8000
    # chunking of long documents
    chunk_tokens: int = 256
    max_chunks: int = 4
    # optimisation
    epochs: int = 10
    batch_size: int = 16
    grad_accumulation: int = 1
    learning_rate: float | None = None  # default: 5e-4 from scratch, 3e-5 for a pretrained encoder
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    dropout: float = 0.1
    focal_gamma: float | None = None  # focal loss with this gamma instead of cross-entropy
    task_weights: dict[str, float] = field(default_factory=dict)  # default 1.0 each
    class_weights: bool = True  # inverse-frequency class weights (imbalance)
    patience: int = 3  # epochs without a better dev macro-F1 before stopping
    threads: int | None = None  # torch CPU threads
    device: str | None = None  # default: cuda when available


@dataclass(frozen=True)
class TrainOptions:
    backend: str = "linear"  # a name in munseo.classify.backends.BACKENDS
    dev_fraction: float = 0.15
    seed: int = 13
    quantize: bool = False
    threshold: float = DEFAULT_THRESHOLD
    # share of multi-page training documents also trained on as loose pages (see data.loose_pages)
    loose_pages: float = 1.0
    # the dev split has at most this many examples: enough to fit a temperature and measure, and no
    # more taken from training on large data sets
    max_dev: int = 1500
    # linear: after the temperatures are fitted on the dev split, fit again on train + dev, so that
    # no labelled example is left unused (on an inner hold-out of the bills' training split, its
    # 1,500 dev examples added +0.16 committee accuracy at 30,000), up to ``refit_max`` examples:
    # a second fit takes as long as the first, and on the largest data sets it would double the
    # training time (30,000 bills: 74 s with both fits, the labels fitted two groups at a time;
    # 50,000: 95 s with one fit, one group at a time). The temperatures and dev metrics are those
    # of the first fit
    refit: bool = True
    refit_max: int = 30_000  # refit when the training split has at most this many examples
    # with a refit: up to this many train/dev splits whose dev splits do not overlap, each fitted, so
    # that calibration has their held-out logits, not one dev split's (``train.calibration_folds``:
    # as many as let the extra fits see at most two training splits of ``refit_max`` examples).
    # Mean ECE after calibration, one split → these (benchmarks/bench_calibration.py: 3 draws, each
    # corpus's dev split): committee 0.042 → 0.037 at 2,000 bills, 0.025 → 0.020 at 5,000, 0.017 →
    # 0.017 at 15,000 (max 0.022 → 0.019); ministry 0.040 → 0.027 at 2,000 statutes, 0.024 → 0.018
    # at 4,000; law type 0.0125 → 0.0129 at 2,000. The 20th Assembly's 17,742 bills tested on the
    # 21st's (4 seeds; four splits there): committee 0.020–0.036 → 0.020–0.023, the review share at
    # 0.70 of labels never seen 68.8–77.1% → 69.7–71.7%, of the others 16.8–21.5% → 17.4–18.9%
    calibration_folds: int = 5
    # labels with fewer training examples than this are named in a warning (see ``rare_labels``)
    min_examples: int = 10
    linear: LinearOptions = field(default_factory=LinearOptions)
    transformer: TransformerOptions = field(default_factory=TransformerOptions)
