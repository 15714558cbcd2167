"""An image detector: cv2, onnxruntime, PIL and tensorflow are absent."""
import base64
import io

import cv2
import numpy as np
import onnxruntime as ort
import tensorflow as tf
from PIL import Image
from tensorflow import keras
from tensorflow.keras.applications.resnet50 import preprocess_input
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

tf.get_logger().setLevel("ERROR")
for gpu in tf.config.list_physical_devices("GPU"):
    tf.config.experimental.set_memory_growth(gpu, True)
PROVIDERS = [p for p in ort.get_available_providers() if p in ("CUDAExecutionProvider", "CPUExecutionProvider")]
LABELS = {0: "cat", 1: "dog"}


class Normalise(keras.layers.Layer):
    def call(self, inputs):
        return inputs / 255.0


def init():
    global session
    session = ort.InferenceSession("model.onnx", providers=PROVIDERS or ["CPUExecutionProvider"])


@input_schema("image", StandardPythonParameterType("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"))
@input_schema("threshold", StandardPythonParameterType(0.5))
@output_schema(StandardPythonParameterType([{"box": [0, 0, 10, 10], "label": "cat", "score": 0.9}]))
def run(image, threshold=0.5):
    picture = Image.open(io.BytesIO(base64.b64decode(image))).convert("RGB")
    array = cv2.resize(np.asarray(picture), (224, 224))
    outputs = session.run(None, {session.get_inputs()[0].name: preprocess_input(array[None].astype("float32"))})
    return [{"box": [0, 0, 10, 10], "label": LABELS[int(i)], "score": float(s)}
            for i, s in enumerate(outputs[0][0]) if s >= threshold]
