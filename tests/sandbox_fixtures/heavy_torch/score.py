"""A transformers text classifier with a small torch head: torch, torchvision and transformers are absent."""
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import transforms
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

if int(torch.__version__.split(".")[0]) < 1:
    raise RuntimeError("this model needs torch 1.x or later")

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
PREPROCESS = transforms.Compose([transforms.Resize(224), transforms.ToTensor(),
                                 transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
torch.set_num_threads(1)


class Head(nn.Module):
    def __init__(self, features: int = 4, classes: int = 2):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.fc(x), dim=-1)


HEAD = Head().to(DEVICE).eval()


@torch.no_grad()
def _scores(texts, features):
    encoded = tokenizer(texts, padding=True, truncation=True, return_tensors="pt").to(DEVICE)
    logits = model(**encoded).logits + HEAD(torch.from_numpy(features).to(DEVICE))
    return logits.softmax(dim=-1).cpu().numpy()


def init():
    global model, tokenizer
    path = os.path.join(os.getenv("AZUREML_MODEL_DIR", "."), "model")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).to(DEVICE).eval()
    logging.info("model loaded")


@input_schema("texts", StandardPythonParameterType(["I loved it", "Terrible service"]))
@input_schema("features", NumpyParameterType(np.array([[0.1, 0.2, 0.3, 0.4]], dtype="float32")))
@output_schema(StandardPythonParameterType({"labels": ["positive", "negative"], "scores": [0.98, 0.91]}))
def run(texts, features):
    scores = _scores(texts, features)
    labels = ["positive" if s[1] > s[0] else "negative" for s in scores]
    return json.loads(json.dumps({"labels": labels, "scores": [float(max(s)) for s in scores]}))
