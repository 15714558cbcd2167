// Owns the language client: resolves the interpreter, checks it can import the server, starts, restarts
// (serialised: one start at a time), reports the state in the status bar, and fails once and clearly.
import * as os from "os";
import * as vscode from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { describeInterpreter, Interpreter, resolveInterpreter, sameInterpreter } from "../logic/interpreter";
import { installCommand, probeCommand, ProbeOutcome, readProbe, REQUIREMENT, serverCommand } from "../logic/probe";
import { initializationOptions, notificationLevel, shouldNotify } from "../logic/settings";
import { runProcess, serverEnv } from "../logic/process";
import { onPythonExtensionChanged, onPythonInterpreterChanged, pythonExtensionInterpreter } from "./python";
import { readRawSettings, SECTION, serverSettings, serverSettingsForScope, variableContext } from "./settings";
import { StatusItem } from "./status";

export type Status = "starting" | "running" | "failed" | "disabled" | "stopped";

export interface ServerState {
  status: Status;
  /** Why the server is not running (failed / disabled), one sentence. */
  message?: string;
  interpreter?: Interpreter;
  /** True when installing scorelint[lsp] into the interpreter is the offered fix. */
  offerInstall?: boolean;
  /** scorelint's version in the interpreter, when known. */
  scorelintVersion?: string;
}

const PROBE_TIMEOUT_MS = 30_000;
const MAX_CRASHES = 4;
const CRASH_WINDOW_MS = 3 * 60_000;

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private current: ServerState = { status: "stopped" };
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly status: StatusItem;
  private queue: Promise<unknown> = Promise.resolve();
  private lastNotified: string | undefined;
  private crashes: number[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.status = new StatusItem();
    this.disposables.push(this.status, this.stateEmitter);
  }

  get state(): ServerState {
    return this.current;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Restart when the settings, the Python extension's environment or the workspace folders change. */
  async watchForChanges(): Promise<void> {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SECTION)) void this.restart("settings changed");
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.restart("workspace folders changed")),
      // Trusted now: the workspace's interpreter and settings apply, the sandbox may import scripts.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.restart("the workspace is trusted")),
      onPythonExtensionChanged(() => void this.restart("Python extension installed or removed")),
    );
    const pythonChanged = await onPythonInterpreterChanged(() => {
      void this.onPythonEnvironmentChanged();
    });
    if (pythonChanged) this.disposables.push(pythonChanged);
  }

  private async onPythonEnvironmentChanged(): Promise<void> {
    const next = await this.resolve();
    if (!sameInterpreter(next, this.current.interpreter)) {
      await this.restart("the Python extension's environment changed");
    }
  }

  /** The workspace folder whose interpreter runs the (single) server: the active file's, else the first. */
  private primaryFolder(): vscode.WorkspaceFolder | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  }

  async resolve(): Promise<Interpreter> {
    const folder = this.primaryFolder();
    const setting = readRawSettings(folder).interpreter;
    // The Python extension's selection may be a virtual environment inside the workspace: in a workspace
    // the user has not trusted, that is the project's program, not the user's choice.
    const fromPython = vscode.workspace.isTrusted ? await pythonExtensionInterpreter(folder?.uri, this.log) : undefined;
    return resolveInterpreter({ setting, pythonExtension: fromPython, platform: process.platform }, variableContext(folder));
  }

  /** Stops any running server, then starts a new one. Calls are queued, never interleaved. */
  restart(reason: string): Promise<ServerState> {
    const next = this.queue.then(() => this.doRestart(reason));
    this.queue = next.catch(() => undefined);
    return next;
  }

  stop(): Promise<void> {
    const next = this.queue.then(() => this.doStop());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private setState(state: ServerState): void {
    this.current = state;
    this.status.show(state);
    this.stateEmitter.fire(state);
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`Stopping the server: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
  }

  private async doRestart(reason: string): Promise<ServerState> {
    this.log.info(`(Re)starting the server: ${reason}`);
    await this.doStop();
    const folder = this.primaryFolder();
    const { settings, problems } = serverSettings(folder);
    for (const problem of problems) this.log.warn(problem);
    if (!settings.enable) {
      this.log.info("scorelint.enable is false: the server is not started.");
      this.setState({ status: "disabled", message: "scorelint.enable is false" });
      return this.current;
    }

    const interpreter = await this.resolve();
    this.setState({ status: "starting", interpreter });
    this.log.info(`Interpreter: ${describeInterpreter(interpreter)}`);
    const cwd = folder?.uri.fsPath ?? os.homedir();
    const probeCmd = probeCommand(interpreter);
    const probe = readProbe(interpreter, await runProcess(probeCmd.command, probeCmd.args, cwd, PROBE_TIMEOUT_MS));
    if (!probe.ok) {
      this.fail(interpreter, probe);
      return this.current;
    }
    this.log.info(`Python ${probe.pythonVersion} at ${probe.executable}; scorelint ${probe.scorelintVersion ?? "?"}`);

    const server = serverCommand(interpreter);
    const serverOptions: ServerOptions = {
      command: server.command,
      args: server.args,
      options: { cwd, env: serverEnv() },
      transport: TransportKind.stdio,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
        // Deployment YAML and conda files: the server answers only for those a deployment concerns.
        { scheme: "file", language: "yaml" },
      ],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: "scorelint",
      initializationOptions: initializationOptions(settings),
      middleware: {
        workspace: {
          // The server may ask for the `scorelint` section itself: answer with the mapped settings, not
          // VS Code's raw ones (which hold client-only keys such as `interpreter`).
          configuration: async (params, token, next) => {
            const raw = await next(params, token);
            if (!Array.isArray(raw)) return raw;
            return params.items.map((item, i) =>
              item.section === SECTION ? serverSettingsForScope(item.scopeUri) : raw[i]);
          },
        },
      },
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue }),
        closed: (): CloseHandlerResult => this.onServerClosed(interpreter),
      },
      initializationFailedHandler: (error) => {
        this.fail(interpreter, { ok: false, offerInstall: false, message: `The server failed to initialise: ${String(error)}` });
        return false;
      },
    };
    const client = new LanguageClient("scorelint", "scorelint", serverOptions, clientOptions);
    this.client = client;
    this.crashes = [];
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) {
        this.setState({ status: "running", interpreter, scorelintVersion: probe.scorelintVersion });
      }
    });
    try {
      await client.start();
      this.lastNotified = undefined;
      this.setState({ status: "running", interpreter, scorelintVersion: probe.scorelintVersion });
      this.log.info("The server is running.");
    } catch (error) {
      if (this.current.status !== "failed") {
        this.fail(interpreter, { ok: false, offerInstall: false, message: `The server did not start: ${String(error)}` });
      }
      if (this.client === client) this.client = undefined;
    }
    return this.current;
  }

  private onServerClosed(interpreter: Interpreter): CloseHandlerResult {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (this.crashes.length <= MAX_CRASHES) {
      this.log.warn(`The server stopped unexpectedly; restarting it (${this.crashes.length}/${MAX_CRASHES}).`);
      this.setState({ ...this.current, status: "starting" });
      return { action: CloseAction.Restart };
    }
    this.fail(interpreter, {
      ok: false,
      offerInstall: false,
      message: `The server stopped ${this.crashes.length} times in a few minutes, so it is not restarted again.`,
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private fail(interpreter: Interpreter, probe: ProbeOutcome): void {
    this.log.error(probe.message);
    this.setState({ status: "failed", interpreter, message: probe.message, offerInstall: probe.offerInstall });
    void this.notifyFailure(interpreter, probe);
  }

  /** One notification per distinct failure (not one per restart), with the actions that can fix it. */
  private async notifyFailure(interpreter: Interpreter, probe: ProbeOutcome): Promise<void> {
    const key = `${interpreter.command}\0${probe.message}`;
    if (this.lastNotified === key) return;
    this.lastNotified = key;
    if (!shouldNotify(notificationLevel(readRawSettings(undefined).showNotifications), "error")) return;
    const install = `Install ${REQUIREMENT}`;
    const actions = [...(probe.offerInstall ? [install] : []), "Show Log"];
    const choice = await vscode.window.showErrorMessage(probe.message, ...actions);
    if (choice === install) {
      await this.install(interpreter);
    } else if (choice === "Show Log") {
      this.log.show(true);
    }
  }

  /** Runs `<interpreter> -m pip install scorelint[lsp]` (output in the log), then restarts the server. */
  async install(interpreter: Interpreter): Promise<boolean> {
    const cmd = installCommand(interpreter);
    this.log.info(`Running: ${[cmd.command, ...cmd.args].join(" ")}`);
    const cwd = this.primaryFolder()?.uri.fsPath ?? os.homedir();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `scorelint: installing ${REQUIREMENT}…` },
      () => runProcess(cmd.command, cmd.args, cwd, 10 * 60_000),
    );
    if (result.stdout) this.log.info(result.stdout.trimEnd());
    if (result.stderr) this.log.warn(result.stderr.trimEnd());
    if (result.spawnError || result.exitCode !== 0) {
      const last = (result.stderr.trim().split(/\r?\n/).pop() ?? result.spawnError?.message ?? "").slice(0, 300);
      const choice = await vscode.window.showErrorMessage(
        `scorelint: installing ${REQUIREMENT} failed${last ? `: ${last}` : ""}`, "Show Log");
      if (choice) this.log.show(true);
      return false;
    }
    this.lastNotified = undefined;
    await this.restart(`${REQUIREMENT} installed`);
    return this.current.status === "running";
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables) d.dispose();
  }
}
