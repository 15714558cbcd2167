"""Generates a corpus of realistic entry scripts for the benchmarks.

Real entry scripts come from a handful of templates (Microsoft's documentation, AutoML's generated
scoring files, the @rawhttp image sample, batch scripts) grown with project-specific helpers. The
generator combines one of those heads with helper functions, feature tables and classes until the file
reaches the target length, so sizes from 50 to 1,000 lines keep the proportions of real code: mostly
ordinary Python around a small init/run core. Deterministic for a given seed.

    python bench/corpus.py OUTDIR [--count 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import textwrap
from pathlib import Path

HEADS = {
    "sklearn-json": '''
        import json
        import logging
        import os

        import joblib
        import numpy as np

        model = None


        def init():
            global model
            model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "{model}.pkl")
            model = joblib.load(model_path)
            logging.info("Init complete")


        def run(raw_data):
            try:
                data = np.array(json.loads(raw_data)["data"])
                data = preprocess_{n}(data)
                result = model.predict(data)
                return result.tolist()
            except Exception as e:
                error = str(e)
                return error
    ''',
    "powerbi-schema": '''
        import os

        import joblib
        import numpy as np
        import pandas as pd
        from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema, output_schema


        def init():
            global model
            model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "{model}.pkl"))


        numpy_sample = NumpyParameterType(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float64"))
        pandas_sample = PandasParameterType(pd.DataFrame({{"feature_a": [1.5, 2.5], "feature_b": ["x", "y"]}}))
        sample_input = StandardPythonParameterType({{"input1": numpy_sample, "input2": pandas_sample}})
        sample_global_parameters = StandardPythonParameterType(1.0)
        outputs = StandardPythonParameterType({{"Results": StandardPythonParameterType([1.0, 1.0])}})


        @input_schema("Inputs", sample_input)
        @input_schema("GlobalParameters", sample_global_parameters)
        @output_schema(outputs)
        def run(Inputs, GlobalParameters=1.0):
            data = preprocess_{n}(Inputs["input1"])
            result = model.predict(data) * GlobalParameters
            return {{"Results": result.tolist()}}
    ''',
    "rawhttp-image": '''
        import io
        import json
        import os

        from azureml.contrib.services.aml_request import AMLRequest, rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        from PIL import Image


        def init():
            global model
            import onnxruntime

            model = onnxruntime.InferenceSession(os.path.join(os.environ["AZUREML_MODEL_DIR"], "{model}.onnx"))


        @rawhttp
        def run(request):
            if request.method == "GET":
                return AMLResponse(json.dumps({{"status": "ok"}}), 200, json_str=True)
            if request.method == "POST":
                image = Image.open(io.BytesIO(request.get_data(False)))
                pixels = preprocess_{n}(image)
                scores = model.run(None, {{"input": pixels}})[0]
                resp = AMLResponse(json.dumps({{"scores": scores.tolist()}}), 200, json_str=True)
                resp.headers["Access-Control-Allow-Origin"] = "*"
                return resp
            return AMLResponse("bad request", 500)
    ''',
    "automl-pandas": '''
        import json
        import logging
        import os
        import pickle

        import numpy as np
        import pandas as pd
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
        from inference_schema.schema_decorators import input_schema, output_schema

        input_sample = pd.DataFrame({{"age": pd.Series([0], dtype="int64"), "income": pd.Series([0.0], dtype="float64"),
                                     "segment": pd.Series(["example_value"], dtype="object")}})
        output_sample = np.array([0])
        try:
            log_server.enable_telemetry(INSTRUMENTATION_KEY)
        except Exception:
            pass


        def init():
            global model
            model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl")
            path = os.path.normpath(model_path)
            with open(path, "rb") as f:
                model = pickle.load(f)


        @input_schema("data", PandasParameterType(input_sample))
        @output_schema(NumpyParameterType(output_sample))
        def run(data):
            try:
                data = preprocess_{n}(data)
                result = model.predict(data)
                return json.dumps({{"result": result.tolist()}})
            except Exception as e:
                result = str(e)
                return json.dumps({{"error": result}})
    ''',
    "torch": '''
        import json
        import logging
        import os

        import torch
        from transformers import AutoTokenizer

        logger = logging.getLogger(__name__)


        def init():
            global model, tokenizer
            model_dir = os.environ["AZUREML_MODEL_DIR"]
            tokenizer = AutoTokenizer.from_pretrained(os.path.join(model_dir, "tokenizer"))
            model = torch.jit.load(os.path.join(model_dir, "{model}.pt"))
            model.eval()


        def run(data):
            payload = json.loads(data)
            texts = preprocess_{n}(payload["inputs"])
            with torch.no_grad():
                encoded = tokenizer(texts, return_tensors="pt", padding=True)
                logits = model(**encoded)
            predictions = logits.argmax(dim=-1)
            return {{"labels": predictions.tolist()}}
    ''',
    "batch": '''
        import argparse
        import os

        import joblib
        import pandas as pd


        def init():
            global model, output_dir
            parser = argparse.ArgumentParser()
            parser.add_argument("--output_dir", default="outputs")
            args, _ = parser.parse_known_args()
            output_dir = args.output_dir
            model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "{model}.pkl"))


        def run(mini_batch):
            results = []
            for file_path in mini_batch:
                frame = preprocess_{n}(pd.read_csv(file_path))
                prediction = model.predict(frame)
                results.append(f"{{os.path.basename(file_path)}},{{prediction[0]}}")
            return results
    ''',
}

HELPER = '''

def preprocess_{n}(data):
    """Clean and reshape the input the way the model {model} was trained."""
    if data is None:
        raise ValueError("no input")
    columns = [{columns}]
    if hasattr(data, "columns"):
        missing = [c for c in columns if c not in data.columns]
        for column in missing:
            data[column] = {default}
        data = data[columns]
    scaled = []
    for index, value in enumerate(data if isinstance(data, list) else [data]):
        if isinstance(value, (int, float)):
            scaled.append((value - {mean}) / {std})
        else:
            scaled.append(value)
        if index > {limit}:
            break
    return data if not scaled else data
'''

FEATURE_TABLE = '''

{name} = {{
{rows}
}}
'''

CLASS = '''

class {name}:
    """Keeps the running statistics used to normalise requests."""

    def __init__(self, window={window}):
        self.window = window
        self.values = []

    def add(self, value):
        self.values.append(value)
        if len(self.values) > self.window:
            self.values.pop(0)

    def mean(self):
        return sum(self.values) / len(self.values) if self.values else 0.0

    def describe(self):
        return {{"window": self.window, "count": len(self.values), "mean": self.mean()}}
'''

WORDS = ["age", "income", "tenure", "balance", "region", "segment", "score", "visits", "clicks", "plan",
         "channel", "device", "weekday", "hour", "basket", "discount", "returns", "rating", "country_code"]


def generate(target_lines: int, rng: random.Random, index: int) -> str:
    style = rng.choice(list(HEADS))
    model = f"{rng.choice(['churn', 'fraud', 'sales', 'vision', 'ranker'])}_{index}"
    text = textwrap.dedent(HEADS[style]).strip("\n").format(model=model, n=0) + "\n"
    text += HELPER.format(n=0, model=model, columns=", ".join(repr(w) for w in rng.sample(WORDS, 4)),
                          default=rng.choice(["0", "0.0", "''"]), mean=rng.randint(1, 50), std=rng.randint(1, 9),
                          limit=rng.randint(10, 99))
    n = 1
    while text.count("\n") < target_lines:
        choice = rng.random()
        if choice < 0.55:
            text += HELPER.format(n=n, model=model, columns=", ".join(repr(w) for w in rng.sample(WORDS, 4)),
                                  default=rng.choice(["0", "0.0", "None"]), mean=rng.randint(1, 50),
                                  std=rng.randint(1, 9), limit=rng.randint(10, 99))
        elif choice < 0.8:
            rows = "\n".join(f"    {w!r}: ({rng.randint(0, 99)}, {rng.random():.3f})," for w in rng.sample(WORDS, 8))
            text += FEATURE_TABLE.format(name=f"FEATURES_{n}", rows=rows)
        else:
            text += CLASS.format(name=f"RunningStats{n}", window=rng.randint(5, 500))
        n += 1
    # Whole blocks only (a cut block would be a syntax error), so sizes overshoot by under 25 lines.
    return text.rstrip() + "\n"


def sizes(count: int, rng: random.Random) -> list[int]:
    """Most real scripts are short; a few are long (log-uniform between 50 and 1,000 lines)."""
    return [int(round(50 * (20 ** rng.random()))) for _ in range(count)]


def write_corpus(outdir: Path, count: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, size in enumerate(sizes(count, rng)):
        path = outdir / f"svc{i:04d}_score.py"
        path.write_text(generate(size, rng, i), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = write_corpus(args.outdir, args.count, args.seed)
    print(f"wrote {len(paths)} scripts to {args.outdir}")


if __name__ == "__main__":
    main()
