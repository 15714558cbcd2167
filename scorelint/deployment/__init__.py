"""The deployment around an entry script: Azure ML CLI v2 deployment YAML, its inline environment (conda
file, pip requirements, base image) and its code folder, read so that the deployment rules (SL7xx) can
check them together with the script. The code folder (the scoring script, its local modules and their
imports) is the project's, shared with the script rules: `scorelint/codefolder.py`.

Nothing here is imported on the command line's path unless a deployment file is present: PyYAML and
packaging load only when a YAML file is read.

- `definition.py`: which YAML is a deployment, and its keys with their positions
- `environment.py`: conda files and requirements files
- `installed.py`, `packages.py`: which distribution provides an import, from installed metadata
- `rule.py`: `DeploymentRule`, its examples and the context rules read
- `check.py`: running the rules on one deployment; suppressions in YAML and requirements files
"""
