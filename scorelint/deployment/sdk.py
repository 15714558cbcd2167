"""Deployments written in Python: the SDK v2 (`ManagedOnlineDeployment(...)`, `KubernetesOnlineDeployment`,
`BatchDeployment`, `ModelBatchDeployment`) and SDK v1 (`InferenceConfig(entry_script=..., source_directory=...,
environment=...)` with `Environment.from_conda_specification(...)` or `CondaDependencies.create(...)`), when
they are literal enough to read.

Each call is turned into the same structure a deployment YAML gives (`yamlfile.Mapping` with the keys of the
YAML schema and the positions of the keyword arguments), so the deployment rules read it alike. Only
literals count: a string, number or boolean written in the call, or a module-level name assigned one once;
`Model(path=...)`, `CodeConfiguration(...)`, `Environment(...)`, `OnlineRequestSettings(...)`,
`ProbeSettings(...)` and `ModelBatchDeploymentSettings(...)` nested in it; a dict of literals for
`environment_variables`. Anything else is left out (unknown), never guessed. Paths are relative to the
Python file's folder (where the notebook or script usually runs).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..codefolder import dotted_name
from .definition import Deployment
from .environment import Environment, Package, canonical, read_conda_file
from .yamlfile import Located, Mapping, Sequence, YamlDocument

_V2_KINDS = {
    "ManagedOnlineDeployment": "online",
    "KubernetesOnlineDeployment": "kubernetes-online",
    "BatchDeployment": "batch",
    "ModelBatchDeployment": "batch",
}
# Nested SDK v2 classes, by the YAML key they stand for.
_NESTED = {
    "Model": "model", "CodeConfiguration": "code_configuration", "Environment": "environment",
    "OnlineRequestSettings": "request_settings", "ProbeSettings": "probe",
    "ModelBatchDeploymentSettings": "settings", "BatchRetrySettings": "retry_settings",
}
def may_define_deployment(data: bytes) -> bool:
    """A cheap test before a Python file is parsed for SDK deployment definitions."""
    from ..discovery import SDK_DEPLOYMENT_CALL

    return SDK_DEPLOYMENT_CALL.search(data) is not None


def read_sdk_deployments(path: Path, text: str | None = None) -> list[Deployment]:
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    reader = _Reader(path, text, tree)
    return reader.deployments()


class _Reader:
    def __init__(self, path: Path, text: str, tree: ast.Module) -> None:
        self.path = path
        self.text = text
        self.tree = tree
        self.lines = text.splitlines()
        self.constants: dict[str, ast.expr] = {}
        counts: dict[str, int] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                counts[name] = counts.get(name, 0) + 1
                self.constants[name] = node.value
        # A name assigned more than once is not a constant.
        self.constants = {k: v for k, v in self.constants.items() if counts[k] == 1}
        self.doc = YamlDocument.from_data(path, text, None)

    def deployments(self) -> list[Deployment]:
        found = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if name in _V2_KINDS:
                data = self._call(node)
                kind = _V2_KINDS[name]
                if name == "ModelBatchDeployment" or "settings" in data:
                    data.setdefault("type", "model")
                found.append(self._deployment(node, kind, data))
            elif name == "InferenceConfig":
                found.append(self._v1(node))
        return [d for d in found if d is not None]

    # --- SDK v2 --------------------------------------------------------------------------------------
    def _call(self, call: ast.Call) -> Mapping:
        data = Mapping()
        data.marks = {}
        data.unknown = set()  # keywords given with a value that is not a literal: not judged
        for keyword in call.keywords:
            if keyword.arg is None:
                continue
            value = self._value(keyword.value)
            if value is _UNKNOWN:
                data.unknown.add(keyword.arg)
                continue
            key = keyword.arg
            data[key] = value
            data.marks[key] = (self._mark(keyword), self._mark(keyword.value))
        return data

    def _value(self, node: ast.expr, depth: int = 0):
        if depth > 10:
            return _UNKNOWN
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self._value(self.constants[node.id], depth + 1)
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool)):
            return node.value
        if isinstance(node, ast.Call) and _callee(node) in _NESTED:
            return self._call(node)
        if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
            mapping = Mapping()
            mapping.marks = {}
            for key_node, value_node in zip(node.keys, node.values):
                key, value = self._value(key_node, depth + 1), self._value(value_node, depth + 1)
                if key is _UNKNOWN or value is _UNKNOWN or isinstance(key, (Mapping, Sequence)):
                    continue
                mapping[key] = value
                mapping.marks[key] = (self._mark(key_node), self._mark(value_node))
            return mapping
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._value(e, depth + 1) for e in node.elts]
            if any(i is _UNKNOWN for i in items):
                return _UNKNOWN
            sequence = Sequence(items)
            sequence.marks = [self._mark(e) for e in node.elts]
            return sequence
        return _UNKNOWN

    def _deployment(self, call: ast.Call, kind: str, data: Mapping) -> Deployment:
        from .definition import fill_deployment

        doc = YamlDocument.from_data(self.path, self.text, data)
        return fill_deployment(Deployment(self.path, kind, doc, Located(None, self.path, doc.span(*self._mark(call))),
                                          source="sdk"), doc, data, self.path.parent)

    # --- SDK v1 --------------------------------------------------------------------------------------
    def _v1(self, call: ast.Call) -> Deployment | None:
        args = {k.arg: k for k in call.keywords if k.arg}
        script, source = args.get("entry_script"), args.get("source_directory")
        data = Mapping()
        data.marks = {}
        code = Mapping()
        code.marks = {}
        for key, keyword in (("scoring_script", script), ("code", source)):
            if keyword is None:
                continue
            value = self._value(keyword.value)
            if isinstance(value, str):
                code[key] = value
                code.marks[key] = (self._mark(keyword), self._mark(keyword.value))
        if "scoring_script" not in code:
            return None
        data["code_configuration"] = code
        data.marks["code_configuration"] = (self._mark(call), self._mark(call))
        doc = YamlDocument.from_data(self.path, self.text, data)
        anchor = Located(None, self.path, doc.span(*self._mark(call)))
        from .definition import fill_deployment

        deployment = fill_deployment(Deployment(self.path, "online", doc, anchor, source="sdk-v1"), doc, data,
                                     self.path.parent)
        env_keyword = args.get("environment")
        if env_keyword is not None:
            deployment.environment = self._v1_environment(env_keyword.value)
        return deployment

    def _v1_environment(self, node: ast.expr) -> Environment | None:
        if isinstance(node, ast.Name) and node.id in self.constants:
            node = self.constants[node.id]
        where = Located(None, self.path, self.doc.span(*self._mark(node)))
        if not (isinstance(node, ast.Call) and _callee(node) in ("from_conda_specification", "from_pip_requirements")):
            return self._v1_conda_dependencies(where)
        env = Environment("inline", where)
        file_arg = next((k.value for k in node.keywords if k.arg == "file_path"), node.args[1] if len(node.args) > 1 else None)
        value = self._value(file_arg) if file_arg is not None else _UNKNOWN
        if not isinstance(value, str):
            env.complete = False
            return env
        located = Located(value, self.path, self.doc.span(*self._mark(file_arg)))
        if _callee(node) == "from_conda_specification":
            read_conda_file(env, self.path.parent / value, located)
        else:
            from .environment import read_requirements

            read_requirements(env, self.path.parent / value, located)
            env.conda_file = self.path.parent / value  # what the environment is built from
        return env

    def _v1_conda_dependencies(self, where: Located) -> Environment | None:
        """`CondaDependencies.create(pip_packages=[...], conda_packages=[...])` somewhere in the module."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _callee(node) == "create" and dotted_name(node.func).endswith(
                    "CondaDependencies.create"):
                env = Environment("inline", where)
                env.conda_file = self.path  # the packages are written here
                for keyword in node.keywords:
                    if keyword.arg not in ("pip_packages", "conda_packages"):
                        continue
                    if not isinstance(keyword.value, (ast.List, ast.Tuple)):
                        env.complete = False
                        continue
                    for element in keyword.value.elts:
                        value = self._value(element)
                        if not isinstance(value, str):
                            env.complete = False
                            continue
                        name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", value)
                        if name:
                            source = "pip" if keyword.arg == "pip_packages" else "conda"
                            spec = value[name.end():].strip()
                            env.packages.append(Package(canonical(name[1]), spec, source,
                                                        Located(value, self.path, self.doc.span(*self._mark(element)))))
                return env
        return None

    def _mark(self, node) -> tuple[int, int]:
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        column = len(line.encode()[: node.col_offset].decode("utf-8", "replace"))  # ast counts UTF-8 bytes
        return node.lineno - 1, column


class _Unknown:
    pass


_UNKNOWN = _Unknown()


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
