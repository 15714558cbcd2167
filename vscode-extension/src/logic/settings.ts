// VS Code settings -> what scorelint's language server receives. Pure logic, unit-tested in node.
//
// `scorelint.args` is written like the command line (`--select SL0,SL1 --ignore status-500`) so one set of
// flags works in a terminal, in pre-commit and in the editor. It is parsed here into the same overrides the
// command line builds (select / extend-select / ignore / kind / config), so the server never guesses.

export type NotificationLevel = "off" | "onError" | "onWarning" | "always";
export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ["off", "onError", "onWarning", "always"];

/** The `scorelint.*` settings as read for one resource (values unvalidated: they come from JSON files). */
export interface RawSettings {
  enable?: unknown;
  interpreter?: unknown;
  args?: unknown;
  sandboxOnSave?: unknown;
  sandboxRequireIsolation?: unknown;
  showNotifications?: unknown;
}

export interface Overrides {
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  kind?: "auto" | "online" | "batch";
  config?: string;
}

/**
 * What scorelint's server reads (lsp/scorelint_lsp/settings.py: camelCase keys, the editor's equivalent of
 * the command line's flags). Only keys with a value are sent; the project's [tool.scorelint] fills the rest.
 */
export interface ServerSettings {
  enable: boolean;
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  kind?: "auto" | "online" | "batch";
  /** A pyproject.toml or scorelint.toml to use instead of searching (like --config). */
  configFile?: string;
  /**
   * onSave: import the script in the sandbox on save (never in an untrusted workspace). trustProject: the
   * workspace is trusted, so the project's [tool.scorelint.sandbox] may choose the interpreter and weaken
   * isolation (scorelint/sandbox/settings.py). requireIsolation: like --require-isolation.
   */
  sandbox: { onSave: boolean; trustProject: boolean; requireIsolation?: boolean };
}

export interface ParsedArgs {
  overrides: Overrides;
  /** Human-readable problems with `scorelint.args` (shown in the log; the valid parts still apply). */
  problems: string[];
}

const LIST_FLAGS: Record<string, "select" | "extendSelect" | "ignore"> = {
  "--select": "select",
  "--extend-select": "extendSelect",
  "--ignore": "ignore",
};
const KINDS = ["auto", "online", "batch"] as const;

function splitCommas(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** Parses command-line style flags; later flags add to earlier ones, as click's `multiple=True` does. */
export function parseArgs(args: unknown, expand: (value: string) => string = (v) => v): ParsedArgs {
  const overrides: Overrides = {};
  const problems: string[] = [];
  if (args === undefined || args === null) return { overrides, problems };
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    return { overrides, problems: ["scorelint.args must be a list of strings; ignored"] };
  }
  const items = args as string[];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const eq = item.indexOf("=");
    const flag = item.startsWith("--") && eq > 0 ? item.slice(0, eq) : item;
    let value: string | undefined = item.startsWith("--") && eq > 0 ? item.slice(eq + 1) : undefined;
    const takesValue = flag in LIST_FLAGS || flag === "--kind" || flag === "--config";
    if (!takesValue) {
      problems.push(`scorelint.args: '${item}' is not an option the editor can use (supported: ` +
        "--select, --extend-select, --ignore, --kind, --config); ignored");
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= items.length) {
        problems.push(`scorelint.args: ${flag} needs a value; ignored`);
        continue;
      }
      value = items[++i];
    }
    if (flag in LIST_FLAGS) {
      const key = LIST_FLAGS[flag];
      overrides[key] = [...(overrides[key] ?? []), ...splitCommas(value)];
    } else if (flag === "--kind") {
      if ((KINDS as readonly string[]).includes(value)) {
        overrides.kind = value as Overrides["kind"];
      } else {
        problems.push(`scorelint.args: --kind must be one of ${KINDS.join(", ")}, not '${value}'; ignored`);
      }
    } else {
      overrides.config = expand(value);
    }
  }
  return { overrides, problems };
}

export function notificationLevel(value: unknown): NotificationLevel {
  return (NOTIFICATION_LEVELS as readonly unknown[]).includes(value) ? (value as NotificationLevel) : "onError";
}

/** Should a message of this severity become a notification (it always goes to the log)? */
export function shouldNotify(level: NotificationLevel, severity: "error" | "warning" | "info"): boolean {
  switch (level) {
    case "off":
      return false;
    case "onError":
      return severity === "error";
    case "onWarning":
      return severity !== "info";
    case "always":
      return true;
  }
}

export function toServerSettings(
  raw: RawSettings,
  expand: (value: string) => string = (v) => v,
  trusted = true,
): { settings: ServerSettings; problems: string[] } {
  const { overrides, problems } = parseArgs(raw.args, expand);
  const settings = { enable: raw.enable === undefined ? true : raw.enable === true } as ServerSettings;
  if (overrides.select) settings.select = overrides.select;
  if (overrides.extendSelect) settings.extendSelect = overrides.extendSelect;
  if (overrides.ignore) settings.ignore = overrides.ignore;
  if (overrides.kind) settings.kind = overrides.kind;
  if (overrides.config) settings.configFile = overrides.config;
  settings.sandbox = { onSave: trusted && raw.sandboxOnSave === true, trustProject: trusted };
  if (raw.sandboxRequireIsolation === true) settings.sandbox.requireIsolation = true;
  return { settings, problems };
}

/** The server's `initializationOptions`: `{"settings": {...}}`, the shape lsp/scorelint_lsp/settings.py reads. */
export interface InitializationOptions {
  settings: ServerSettings;
}

export function initializationOptions(settings: ServerSettings): InitializationOptions {
  return { settings };
}
