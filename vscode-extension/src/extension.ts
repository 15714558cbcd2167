// scorelint for VS Code: starts `<interpreter> -m scorelint_lsp` over stdio and connects it with
// vscode-languageclient. Diagnostics, quick fixes, hover and fix-all come from the server; this file adds
// the interpreter choice, restarts, a clear failure path, the status bar item and the commands.
import * as vscode from "vscode";
import { ServerController, ServerState } from "./common/server";
import { registerCommands } from "./common/commands";

export interface ScorelintApi {
  /** The server's current state (also shown in the status bar). */
  readonly state: ServerState;
  readonly onDidChangeState: vscode.Event<ServerState>;
  /** Restarts the server and resolves when it is running or has failed. */
  restart(): Promise<ServerState>;
}

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ScorelintApi> {
  const log = vscode.window.createOutputChannel("scorelint", { log: true });
  context.subscriptions.push(log);
  const ctl = new ServerController(log);
  controller = ctl;
  context.subscriptions.push(ctl);
  registerCommands(context, ctl, log);
  await ctl.watchForChanges();
  await ctl.restart("activation");
  return {
    get state() {
      return ctl.state;
    },
    onDidChangeState: ctl.onDidChangeState,
    restart: () => ctl.restart("api"),
  };
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
}
