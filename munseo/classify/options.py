"""Training options of the two backends (kept free of heavy imports: the CLI builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from munseo.classify.features import FeatureConfig


@dataclass(frozen=True)
class LinearOptions:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    epochs: int = 4  # a few passes: more overfit the rare labels (measured on the long-tail corpus) ...
    min_steps: int = 300  # ... but at least this many updates, which small data sets need to converge
    batch_size: int = 128
    learning_rate: float = 0.05
    weight_decay: float = 1e-5  # the L2 penalty
    threads: int = 1  # torch threads: the steps are small, so waking a thread pool costs more than it gives


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
