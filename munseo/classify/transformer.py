"""The ``transformer`` backend: one shared encoder, one linear head per task.

The encoder is a Hugging Face checkpoint from a local folder (a user's KoBERT/KoELECTRA; it must
have a fast tokenizer, ``tokenizer.json``) or, without one, a small BERT trained from scratch with
a WordPiece tokenizer trained on the training texts. Nothing is ever downloaded: every load is
``local_files_only`` and ``HF_HUB_OFFLINE`` is set. Long documents are read as chunks
(``chunks.py``). Training: loss = Σ_task weight × cross-entropy (class-weighted; focal loss as an
option), AdamW, linear warm-up then linear decay, gradient clipping and accumulation, bf16/fp16
autocast on a GPU (fp32 on a CPU), early stopping on the dev macro-F1, fixed seeds.
"""

from __future__ import annotations

import copy
import math
import os
import random
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from munseo.classify.chunks import ChunkConfig, encode_chunks, prepare_text
from munseo.classify.data import Example, balanced_weights, label_matrix
from munseo.classify.errors import ModelError
from munseo.classify.options import TransformerOptions
from munseo.classify.schema import LabelSchema, task_columns
from munseo.evaluate.classification import macro_f1

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch
from torch import nn
from torch.nn import functional as F

TOKENIZER_DIR = "tokenizer"
TOKENIZER_FILE = f"{TOKENIZER_DIR}/tokenizer.json"
PYTORCH_DIR = "pytorch"
WEIGHTS_FILE = "model.safetensors"
INPUTS = ["input_ids", "attention_mask"]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
IGNORE = -100


class MultiTaskModel(nn.Module):
    """Encoder → masked mean over tokens per chunk → mean over chunks → one head per task."""

    def __init__(self, encoder: nn.Module, hidden: int, task_sizes: Sequence[int], dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleList(nn.Linear(hidden, n) for n in task_sizes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        batch, chunks, tokens = input_ids.shape
        flat_mask = attention_mask.reshape(batch * chunks, tokens)
        states = self.encoder(input_ids=input_ids.reshape(batch * chunks, tokens), attention_mask=flat_mask)
        states = states.last_hidden_state
        token_mask = flat_mask.unsqueeze(-1).to(states.dtype)
        chunk_vectors = (states * token_mask).sum(1) / token_mask.sum(1).clamp(min=1.0)
        chunk_vectors = chunk_vectors.reshape(batch, chunks, -1)
        chunk_mask = attention_mask[:, :, :1].to(states.dtype)
        document = (chunk_vectors * chunk_mask).sum(1) / chunk_mask.sum(1).clamp(min=1.0)
        document = self.dropout(document)
        return torch.cat([head(document) for head in self.heads], dim=-1)


def train_wordpiece(texts: Sequence[str], vocab_size: int) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Lowercase(), normalizers.Replace(Regex(r"\d"), "0")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS)
    tokenizer.train_from_iterator((prepare_text(t) for t in texts), trainer)
    return tokenizer


def _hf_tokenizer(tokenizer: Any) -> Any:
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def _load_pretrained(folder: Path) -> tuple[nn.Module, Any, int]:
    from transformers import AutoModel, AutoTokenizer

    if not (folder / "config.json").is_file():
        raise ModelError(folder, "is not a Hugging Face model folder (no config.json)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        encoder = AutoModel.from_pretrained(str(folder), local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError) as exc:
        raise ModelError(folder, f"the encoder cannot be loaded ({exc})") from exc
    if not tokenizer.is_fast:
        raise ModelError(folder, "the tokenizer has no fast version (tokenizer.json), which inference needs")
    return encoder, tokenizer, encoder.config.hidden_size


def _scratch_encoder(options: TransformerOptions, vocab_size: int) -> nn.Module:
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=options.hidden,
        num_hidden_layers=options.layers,
        num_attention_heads=options.heads,
        intermediate_size=options.hidden * 4,
        max_position_embeddings=options.chunk_tokens,
        type_vocab_size=1,
        hidden_dropout_prob=options.dropout,
        attention_probs_dropout_prob=options.dropout,
    )
    config._attn_implementation = "eager"
    return BertModel(config, add_pooling_layer=False)


def _chunk_config(tokenizer: Any, chunk_tokens: int, max_chunks: int) -> ChunkConfig:
    cls_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    if cls_id is None or sep_id is None or tokenizer.pad_token_id is None:
        raise ValueError("the tokenizer needs CLS (or BOS), SEP (or EOS) and PAD tokens")
    return ChunkConfig(chunk_tokens, max_chunks, int(cls_id), int(sep_id), int(tokenizer.pad_token_id))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def task_loss(
    logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | None, focal_gamma: float | None
) -> torch.Tensor:
    """Mean (class-weighted) cross-entropy, or focal loss, over the rows that have a label."""
    valid = targets != IGNORE
    if not valid.any():
        return logits.sum() * 0.0
    logits, targets = logits[valid].float(), targets[valid]
    log_probs = F.log_softmax(logits, dim=-1).gather(1, targets[:, None]).squeeze(1)
    losses = -log_probs
    if focal_gamma is not None:
        losses = losses * (1.0 - log_probs.exp()) ** focal_gamma
    if weights is None:
        return losses.mean()
    row_weights = weights[targets]
    return (losses * row_weights).sum() / row_weights.sum().clamp(min=1e-12)


class TransformerModel:
    """A trained multi-task transformer with its tokenizer and chunking."""

    def __init__(
        self, schema: LabelSchema, model: MultiTaskModel, tokenizer: Any, chunking: ChunkConfig, device: torch.device
    ) -> None:
        self.schema = schema
        self.model = model
        self.tokenizer = tokenizer
        self.chunking = chunking
        self.device = device
        self.history: list[dict[str, float]] = []

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self.tokenizer([prepare_text(t) for t in texts], add_special_tokens=False)["input_ids"]
        return [list(ids) for ids in encoded]

    def forward_ids(self, ids: Sequence[Sequence[int]], batch_size: int = 32) -> np.ndarray:
        self.model.eval()
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(ids), batch_size):
                input_ids, mask = encode_chunks(ids[start : start + batch_size], self.chunking)
                logits = self.model(torch.from_numpy(input_ids).to(self.device), torch.from_numpy(mask).to(self.device))
                outputs.append(logits.float().cpu().numpy())
        width = sum(len(self.schema.labels(t)) for t in self.schema.task_names)
        return np.concatenate(outputs) if outputs else np.empty((0, width), dtype=np.float32)

    def logits(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """In-framework (PyTorch FP32) logits per task."""
        return split_tasks(self.schema, self.forward_ids(self.token_ids(texts)))

    def export(self, folder: Path) -> dict[str, Any]:
        """Write model.onnx, the tokenizer and the PyTorch weights; return the tokenizer config."""
        from safetensors.torch import save_file

        self.tokenizer.save_pretrained(str(folder / TOKENIZER_DIR))
        if not (folder / TOKENIZER_FILE).is_file():
            raise ModelError(folder, "the tokenizer did not save a tokenizer.json")
        weights = folder / PYTORCH_DIR
        weights.mkdir()
        encoder_config = self.model.encoder.config
        encoder_config.save_pretrained(str(weights))
        state = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(weights / WEIGHTS_FILE))
        self.model.eval().to("cpu")
        example_ids, example_mask = encode_chunks([[5] * 20, [6] * 300], self.chunking)
        axes = {0: "batch", 1: "chunks", 2: "tokens"}
        with warnings.catch_warnings():  # the TorchScript exporter's notices; equality is checked in tests
            warnings.simplefilter("ignore")
            self._export_onnx(folder, example_ids, example_mask, axes)
        self.model.to(self.device)
        return {"file": TOKENIZER_FILE, **self.chunking.to_dict()}

    def _export_onnx(
        self, folder: Path, example_ids: np.ndarray, example_mask: np.ndarray, axes: dict[int, str]
    ) -> None:
        torch.onnx.export(
            self.model,
            (torch.from_numpy(example_ids), torch.from_numpy(example_mask)),
            str(folder / "model.onnx"),
            input_names=INPUTS,
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def split_tasks(schema: LabelSchema, logits: np.ndarray) -> dict[str, np.ndarray]:
    return {task: logits[:, a:b].astype(np.float64) for task, (a, b) in task_columns(schema).items()}


def _dev_score(schema: LabelSchema, logits: np.ndarray, targets: np.ndarray) -> float:
    """Mean over tasks of the dev macro-F1 (rows with a label only)."""
    scores = []
    for t, (task, task_logits) in enumerate(split_tasks(schema, logits).items()):
        valid = targets[:, t] != IGNORE
        if valid.any():
            predicted = task_logits[valid].argmax(1)
            scores.append(macro_f1(targets[valid, t], predicted, len(schema.labels(task))))
    return float(np.mean(scores)) if scores else 0.0


def _autocast(device: torch.device) -> tuple[Any, torch.amp.GradScaler | None]:
    """Mixed precision where the hardware has it: bf16 (or fp16 with loss scaling) on a GPU."""
    if device.type != "cuda":
        return torch.autocast("cpu", enabled=False), None
    if torch.cuda.is_bf16_supported():
        return torch.autocast("cuda", dtype=torch.bfloat16), None
    return torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def _train(
    train: Sequence[Example],
    dev: Sequence[Example],
    schema: LabelSchema,
    options: TransformerOptions,
    seed: int,
    log: Callable[[str], None] = lambda _: None,
) -> TransformerModel:
    seed_everything(seed)
    device = torch.device(options.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    task_sizes = [len(schema.labels(t)) for t in schema.task_names]
    if options.encoder is not None:
        encoder, tokenizer, hidden = _load_pretrained(Path(options.encoder))
        learning_rate = options.learning_rate or 3e-5
        max_positions = getattr(encoder.config, "max_position_embeddings", options.chunk_tokens)
        chunk_tokens = min(options.chunk_tokens, max_positions)
    else:
        tokenizer = _hf_tokenizer(train_wordpiece([e.text for e in train], options.vocab_size))
        encoder, hidden = _scratch_encoder(options, len(tokenizer)), options.hidden
        learning_rate = options.learning_rate or 5e-4
        chunk_tokens = options.chunk_tokens
    chunking = _chunk_config(tokenizer, chunk_tokens, options.max_chunks)
    model = MultiTaskModel(encoder, hidden, task_sizes, options.dropout).to(device)
    trained = TransformerModel(schema, model, tokenizer, chunking, device)

    train_ids, dev_ids = trained.token_ids([e.text for e in train]), trained.token_ids([e.text for e in dev])
    train_targets, dev_targets = label_matrix(train, schema, IGNORE), label_matrix(dev, schema, IGNORE)
    class_weights = [
        torch.from_numpy(balanced_weights(train_targets[:, t], n)).to(device) if options.class_weights else None
        for t, n in enumerate(task_sizes)
    ]
    task_weights = [options.task_weights.get(task, 1.0) for task in schema.task_names]

    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=options.weight_decay)
    steps_per_epoch = math.ceil(len(train) / (options.batch_size * options.grad_accumulation))
    total_steps = max(1, steps_per_epoch * options.epochs)
    warmup = int(total_steps * options.warmup_ratio)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    autocast, scaler = _autocast(device)
    rng = random.Random(seed)
    best_score, best_state, stale = -1.0, copy.deepcopy(model.state_dict()), 0
    for epoch in range(1, options.epochs + 1):
        started = time.perf_counter()
        model.train()
        order = list(range(len(train)))
        rng.shuffle(order)
        batches = [order[i : i + options.batch_size] for i in range(0, len(order), options.batch_size)]
        total_loss = 0.0
        optimizer.zero_grad()
        for b, batch in enumerate(batches, 1):
            input_ids, mask = encode_chunks([train_ids[i] for i in batch], chunking)
            targets = torch.from_numpy(train_targets[batch]).to(device)
            with autocast:
                logits = model(torch.from_numpy(input_ids).to(device), torch.from_numpy(mask).to(device))
            loss = logits.new_zeros((), dtype=torch.float32)
            start = 0
            for t, size in enumerate(task_sizes):
                part = task_loss(logits[:, start : start + size], targets[:, t], class_weights[t], options.focal_gamma)
                loss = loss + task_weights[t] * part
                start += size
            total_loss += float(loss.detach())
            loss = loss / options.grad_accumulation
            (scaler.scale(loss) if scaler else loss).backward()
            if b % options.grad_accumulation == 0 or b == len(batches):
                if scaler:
                    scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), options.max_grad_norm)
                if scaler:
                    scaler.step(optimizer)
                    scaler.update()
                else:
                    optimizer.step()
                optimizer.zero_grad()
                scheduler.step()
        score = _dev_score(schema, trained.forward_ids(dev_ids), dev_targets) if dev else 0.0
        seconds = time.perf_counter() - started
        trained.history.append(
            {"epoch": epoch, "loss": total_loss / max(1, len(batches)), "dev_macro_f1": score, "seconds": seconds}
        )
        log(f"epoch {epoch}: loss {total_loss / max(1, len(batches)):.4f}, dev macro-F1 {score:.4f} ({seconds:.0f} s)")
        if score > best_score:
            best_score, best_state, stale = score, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if dev and stale >= options.patience:
                log(f"early stop: no better dev macro-F1 for {options.patience} epochs")
                break
    model.load_state_dict(best_state)
    return trained


def train_transformer(
    train: Sequence[Example],
    dev: Sequence[Example],
    schema: LabelSchema,
    options: TransformerOptions,
    seed: int,
    log: Callable[[str], None] = lambda _: None,
) -> TransformerModel:
    """Train the encoder and heads; the best epoch by dev macro-F1 is kept."""
    previous = torch.get_num_threads()
    if options.threads:
        torch.set_num_threads(options.threads)
    try:
        return _train(train, dev, schema, options, seed, log)
    finally:
        torch.set_num_threads(previous)


class TorchClassifier:
    """The PyTorch FP32 model kept in a model folder (for comparisons with the ONNX models)."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        from munseo.classify.package import read_config, read_schema

        if threads:
            torch.set_num_threads(threads)
        config = read_config(folder)
        if config.backend != "transformer" or config.tokenizer is None:
            raise ModelError(folder, "has no PyTorch weights: it is not a transformer model")
        self.schema = read_schema(folder, config)
        encoder_config = AutoConfig.from_pretrained(str(folder / PYTORCH_DIR), local_files_only=True)
        encoder_config._attn_implementation = "eager"
        encoder = AutoModel.from_config(encoder_config)
        sizes = [len(self.schema.labels(t)) for t in self.schema.task_names]
        model = MultiTaskModel(encoder, encoder_config.hidden_size, sizes, 0.0)
        missing, unexpected = model.load_state_dict(load_file(str(folder / PYTORCH_DIR / WEIGHTS_FILE)), strict=False)
        if unexpected or any(".pooler." not in key for key in missing):  # an unused pooler may be absent
            raise ModelError(
                folder,
                f"{PYTORCH_DIR}/{WEIGHTS_FILE} does not fit the encoder config "
                f"(missing {missing[:3]}, unexpected {unexpected[:3]})",
            )
        tokenizer = AutoTokenizer.from_pretrained(str(folder / TOKENIZER_DIR), local_files_only=True)
        settings = {k: v for k, v in config.tokenizer.items() if k != "file"}
        self.model = TransformerModel(self.schema, model, tokenizer, ChunkConfig(**settings), torch.device("cpu"))

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.forward_ids(self.model.token_ids(texts))
