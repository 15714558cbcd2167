// Before starting the server: can the chosen interpreter import it? Pure logic (building the probe and
// reading its answer); the extension runs the process. A failed probe becomes one clear notification.
import type { Interpreter } from "./interpreter";
import { describeInterpreter } from "./interpreter";

export const SERVER_MODULE = "scorelint_lsp";
export const REQUIREMENT = "scorelint[lsp]";
export const MIN_PYTHON: [number, number] = [3, 11];

// Runs with the same working directory and environment as the server will, so it sees the same sys.path
// (including user site-packages and editable installs). Prints one JSON line.
export const PROBE_CODE = [
  "import json, sys",
  "r = {'executable': sys.executable, 'version': list(sys.version_info[:3])}",
  "try:",
  "    import scorelint, scorelint_lsp, pygls",
  "    r['ok'] = True",
  "    r['scorelint'] = getattr(scorelint, '__version__', '')",
  "except Exception as e:",
  "    r['ok'] = False",
  "    r['error'] = type(e).__name__ + ': ' + str(e)",
  "    r['missing'] = getattr(e, 'name', None)",
  "print(json.dumps(r))",
].join("\n");

export function probeCommand(interpreter: Interpreter): { command: string; args: string[] } {
  return { command: interpreter.command, args: [...interpreter.args, "-c", PROBE_CODE] };
}

export function serverCommand(interpreter: Interpreter): { command: string; args: string[] } {
  return { command: interpreter.command, args: [...interpreter.args, "-m", SERVER_MODULE] };
}

export function installCommand(interpreter: Interpreter): { command: string; args: string[] } {
  return { command: interpreter.command, args: [...interpreter.args, "-m", "pip", "install", REQUIREMENT] };
}

export interface ProbeOutcome {
  ok: boolean;
  /** One sentence for the notification (empty when ok). */
  message: string;
  /** Whether installing scorelint[lsp] into this interpreter is the likely fix. */
  offerInstall: boolean;
  executable?: string;
  pythonVersion?: string;
  scorelintVersion?: string;
}

export interface ProcessResult {
  /** Set when the process could not be started at all (e.g. ENOENT). */
  spawnError?: { code?: string; message: string };
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export function readProbe(interpreter: Interpreter, result: ProcessResult): ProbeOutcome {
  const who = describeInterpreter(interpreter);
  if (result.spawnError) {
    const notFound = result.spawnError.code === "ENOENT";
    return {
      ok: false,
      offerInstall: false,
      message: notFound
        ? `The Python interpreter ${who} does not exist. Select an interpreter with scorelint installed, ` +
          "or set scorelint.interpreter."
        : `Could not run the Python interpreter ${who}: ${result.spawnError.message}`,
    };
  }
  if (result.timedOut) {
    return { ok: false, offerInstall: false, message: `The Python interpreter ${who} did not answer within the time limit.` };
  }
  const line = result.stdout.trim().split(/\r?\n/).pop() ?? "";
  let data: { ok?: boolean; error?: string; missing?: string | null; executable?: string; version?: number[]; scorelint?: string };
  try {
    data = JSON.parse(line);
  } catch {
    const detail = (result.stderr.trim().split(/\r?\n/).pop() ?? "").slice(0, 300) || `exit code ${result.exitCode}`;
    return { ok: false, offerInstall: false, message: `The Python interpreter ${who} could not be used: ${detail}` };
  }
  const version = Array.isArray(data.version) ? data.version.join(".") : undefined;
  const base = { executable: data.executable, pythonVersion: version, scorelintVersion: data.scorelint };
  if (Array.isArray(data.version) && compareVersion(data.version, MIN_PYTHON) < 0) {
    return {
      ...base,
      ok: false,
      offerInstall: false,
      message: `scorelint needs Python ${MIN_PYTHON.join(".")} or newer; ${who} is Python ${version}. ` +
        "Select a newer interpreter or set scorelint.interpreter.",
    };
  }
  if (data.ok) {
    return { ...base, ok: true, offerInstall: false, message: "" };
  }
  const missing = data.missing ? `'${data.missing}' is missing` : (data.error ?? "import failed");
  return {
    ...base,
    ok: false,
    offerInstall: true,
    message: `scorelint's language server cannot start: ${who} cannot import ${SERVER_MODULE} (${missing}). ` +
      `Install ${REQUIREMENT} into that environment, or select another interpreter.`,
  };
}

function compareVersion(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
