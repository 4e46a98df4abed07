"""The transformer backend: ONNX equals PyTorch, a local Hugging Face encoder, the losses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from munseo.classify import (
    Classifier,
    ModelError,
    TrainOptions,
    load_dataset,
    load_schema,
    train,
)
from munseo.classify.options import TransformerOptions
from munseo.classify.transformer import TorchClassifier
from tests.classify.common import held_out


def test_transformer_onnx_gives_the_pytorch_labels(transformer_model: Path, data_dir: Path):
    texts = [e.text for e in held_out(data_dir).examples][:64]
    texts.append(" ".join(texts[:12]))  # a long document: several chunks
    torch_logits = TorchClassifier(transformer_model).logits(texts)
    onnx_logits = Classifier(transformer_model, precision="fp32").logits(texts)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=1e-4)
    int8 = Classifier(transformer_model, precision="int8").logits(texts)
    schema = load_schema()
    start = 0
    for task in schema.task_names:
        stop = start + len(schema.labels(task))
        np.testing.assert_array_equal(onnx_logits[:, start:stop].argmax(1), torch_logits[:, start:stop].argmax(1))
        assert np.mean(int8[:, start:stop].argmax(1) == torch_logits[:, start:stop].argmax(1)) > 0.9
        start = stop


def test_transformer_from_a_local_hugging_face_encoder(data_dir: Path, tmp_path: Path):
    """A user's checkpoint is a local folder: a tiny BERT saved here stands in for KoBERT."""
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from munseo.classify.transformer import train_wordpiece

    schema = load_schema()
    dataset = load_dataset([str(data_dir / "train.jsonl")], schema)
    dataset.examples[:] = dataset.examples[:240]
    encoder_dir = tmp_path / "kobert-local"
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=train_wordpiece([e.text for e in dataset.examples], 400),
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    tokenizer.save_pretrained(str(encoder_dir))
    BertModel(
        BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
    ).save_pretrained(str(encoder_dir))
    options = TrainOptions(
        backend="transformer",
        transformer=TransformerOptions(
            encoder=encoder_dir, chunk_tokens=512, max_chunks=2, epochs=2, learning_rate=1e-3, threads=2
        ),
    )
    result = train(dataset, schema, tmp_path / "from-local", options)
    config = json.loads((tmp_path / "from-local" / "config.json").read_text())
    assert config["tokenizer"]["chunk_tokens"] == 64  # capped by the encoder's position embeddings
    assert result.metrics["onnx_agrees_with_framework"] == {"institution": 1.0, "doc_type": 1.0}
    with pytest.raises(ModelError, match="not a Hugging Face model folder"):
        train(
            dataset,
            schema,
            tmp_path / "bad",
            TrainOptions(backend="transformer", transformer=TransformerOptions(encoder=tmp_path)),
        )


def test_focal_loss_and_class_weights():
    import torch

    from munseo.classify.transformer import task_loss

    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    targets = torch.tensor([0, 0, -100])
    plain = task_loss(logits, targets, None, None)
    expected = torch.nn.functional.cross_entropy(logits[:2], targets[:2])
    assert float(plain) == pytest.approx(float(expected))
    focal = task_loss(logits, targets, None, 2.0)
    assert float(focal) < float(plain)
    weighted = task_loss(logits, targets, torch.tensor([1.0, 3.0]), None)
    assert float(weighted) == pytest.approx(float(plain))  # only class 0 present: weights cancel out
