// The Python extension's selected environment, through its public API (when ms-python.python is installed).
// Only the few members used here are typed; the shapes follow the API the Python extension exports
// (`environments.getActiveEnvironmentPath`, `resolveEnvironment`, `onDidChangeActiveEnvironmentPath`).
import * as vscode from "vscode";

const PYTHON_EXTENSION_ID = "ms-python.python";

interface EnvironmentPath {
  id: string;
  path: string;
}
interface ResolvedEnvironment {
  executable: { uri?: vscode.Uri };
}
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri | vscode.WorkspaceFolder): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

async function api(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  try {
    const exports = extension.isActive ? extension.exports : await extension.activate();
    return exports?.environments ? exports : undefined;
  } catch {
    return undefined;
  }
}

/** The executable of the environment selected in the Python extension for `resource`, if any. */
export async function pythonExtensionInterpreter(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<string[] | undefined> {
  const python = await api();
  if (!python?.environments) return undefined;
  try {
    const envPath = python.environments.getActiveEnvironmentPath(resource);
    const resolved = await python.environments.resolveEnvironment(envPath);
    const executable = resolved?.executable.uri?.fsPath;
    return executable ? [executable] : undefined;
  } catch (error) {
    log.warn(`The Python extension did not give an interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Calls `listener` when the user selects another environment in the Python extension. */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  const python = await api();
  return python?.environments?.onDidChangeActiveEnvironmentPath(() => listener());
}

/** Fires when the Python extension gets installed or removed, so the choice can change. */
export function onPythonExtensionChanged(listener: () => void): vscode.Disposable {
  let present = vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
  return vscode.extensions.onDidChange(() => {
    const now = vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
    if (now !== present) {
      present = now;
      listener();
    }
  });
}
