// Which Python runs scorelint's language server. Pure logic (no `vscode` import) so it is unit-tested in node.
//
// Order, as in Microsoft's Python tool extensions (flake8, pylint, ...):
//   1. the `scorelint.interpreter` setting (a command: executable first, then arguments placed before `-m`);
//   2. the Python extension's active environment for the file (when that extension is installed);
//   3. `python3` on PATH (`python` on Windows).
import * as path from "path";

export type InterpreterSource = "setting" | "python-extension" | "path";

export interface Interpreter {
  /** The executable to spawn. */
  command: string;
  /** Arguments placed between the executable and `-m scorelint_lsp`. */
  args: string[];
  source: InterpreterSource;
}

export interface VariableContext {
  /** File-system path of the workspace folder of the resource, if any. */
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
}

export interface InterpreterCandidates {
  /** The `scorelint.interpreter` setting as read (may be anything the user typed). */
  setting: unknown;
  /** The Python extension's active environment (executable + arguments), if it gave one. */
  pythonExtension?: string[];
  platform: NodeJS.Platform;
}

/** Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. */
export function expandVariables(value: string, ctx: VariableContext): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name, envName) => {
    if (name === "workspaceFolder") return ctx.workspaceFolder ?? whole;
    if (name === "userHome") return ctx.userHome;
    return ctx.env[envName] ?? "";
  });
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = ctx.userHome + out.slice(1);
  }
  return out;
}

/** A relative path that names a file (contains a separator) is taken relative to the workspace folder. */
function absolutize(executable: string, ctx: VariableContext): string {
  const hasSeparator = executable.includes("/") || executable.includes("\\");
  if (hasSeparator && !path.isAbsolute(executable) && ctx.workspaceFolder) {
    return path.join(ctx.workspaceFolder, executable);
  }
  return executable;
}

/** The setting as a clean list of strings, or [] when it is unset, empty or malformed. */
export function normalizeInterpreterSetting(setting: unknown): string[] {
  if (typeof setting === "string") {
    return setting.trim() ? [setting.trim()] : [];
  }
  if (Array.isArray(setting) && setting.every((item) => typeof item === "string")) {
    const items = (setting as string[]).filter((item) => item.trim() !== "");
    return items;
  }
  return [];
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === "win32" ? "python" : "python3";
}

export function resolveInterpreter(candidates: InterpreterCandidates, ctx: VariableContext): Interpreter {
  const fromSetting = normalizeInterpreterSetting(candidates.setting).map((part) => expandVariables(part, ctx));
  if (fromSetting.length > 0) {
    return { command: absolutize(fromSetting[0], ctx), args: fromSetting.slice(1), source: "setting" };
  }
  const fromExtension = (candidates.pythonExtension ?? []).filter((part) => part !== "");
  if (fromExtension.length > 0) {
    return { command: fromExtension[0], args: fromExtension.slice(1), source: "python-extension" };
  }
  return { command: defaultPython(candidates.platform), args: [], source: "path" };
}

/** How the interpreter is shown to the user in messages and the status bar tooltip. */
export function describeInterpreter(interpreter: Interpreter): string {
  const text = [interpreter.command, ...interpreter.args].map(quoteIfNeeded).join(" ");
  const origin = {
    setting: "from the scorelint.interpreter setting",
    "python-extension": "the Python extension's selected environment",
    path: "found on PATH",
  }[interpreter.source];
  return `${text} (${origin})`;
}

export function quoteIfNeeded(part: string): string {
  return /^[\w@%+=:,./\\-]+$/.test(part) ? part : JSON.stringify(part);
}

/** True when two resolutions would start the same server process. */
export function sameInterpreter(a: Interpreter | undefined, b: Interpreter | undefined): boolean {
  if (!a || !b) return a === b;
  return a.command === b.command && a.args.length === b.args.length && a.args.every((x, i) => x === b.args[i]);
}
