"""The classify stage: one label per task for every document, with a confidence, the whole
distribution and a review flag. Train with ``train``, serve with ``Classifier`` (ONNX Runtime)."""

from munseo.classify.data import Dataset, Example, load_dataset, read_source
from munseo.classify.errors import ClassifyError, DataError, ModelError, SchemaError
from munseo.classify.inference import Classifier, Prediction, TaskPrediction
from munseo.classify.options import TrainOptions
from munseo.classify.schema import LabelSchema, infer_schema, load_schema
from munseo.classify.train import TrainResult, train

__all__ = [
    "Classifier",
    "ClassifyError",
    "DataError",
    "Dataset",
    "Example",
    "LabelSchema",
    "ModelError",
    "Prediction",
    "SchemaError",
    "TaskPrediction",
    "TrainOptions",
    "TrainResult",
    "infer_schema",
    "load_dataset",
    "load_schema",
    "read_source",
    "train",
]
