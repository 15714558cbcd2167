// The extension's commands: Show Swagger, Restart Server, Fix all, Show Logs.
import * as vscode from "vscode";
import { ExecuteCommandRequest, ResponseError } from "vscode-languageclient/node";
import { SWAGGER_VERSIONS, swaggerRequestArguments, readSwaggerResult, formatSwagger } from "../logic/swagger";
import type { ServerController } from "./server";

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append("scorelint");

export function registerCommands(context: vscode.ExtensionContext, ctl: ServerController, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("scorelint.restart", () => ctl.restart("the Restart Server command")),
    vscode.commands.registerCommand("scorelint.showLogs", () => log.show(true)),
    vscode.commands.registerCommand("scorelint.fixAll", (uri?: vscode.Uri) => fixAll(uri)),
    vscode.commands.registerCommand("scorelint.openSwagger", (uri?: vscode.Uri, version?: string) =>
      showSwagger(ctl, log, uri, version)),
  );
}

function targetDocument(uri: vscode.Uri | undefined): vscode.TextDocument | undefined {
  if (uri instanceof vscode.Uri) {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  }
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === "python" ? doc : undefined;
}

/** Applies the server's `source.fixAll.scorelint` action to the document; returns whether it changed. */
async function fixAll(uri: vscode.Uri | undefined): Promise<boolean> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : targetDocument(undefined);
  if (!doc) {
    void vscode.window.showWarningMessage("scorelint: open a Python entry script first.");
    return false;
  }
  const whole = new vscode.Range(0, 0, doc.lineCount, 0);
  const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>(
    "vscode.executeCodeActionProvider", doc.uri, whole, FIX_ALL_KIND.value, 10)) ?? [];
  const ours = actions.filter((a) => a.kind && FIX_ALL_KIND.contains(a.kind));
  let changed = false;
  for (const action of ours.slice(0, 1)) {
    if (action.edit && action.edit.size > 0) changed = (await vscode.workspace.applyEdit(action.edit)) || changed;
    if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  }
  if (!changed) void vscode.window.setStatusBarMessage("scorelint: nothing to fix", 3000);
  return changed;
}

/** A failed request's message (the server explains why there is no document: import error, timeout...). */
function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    const data = error.data === undefined || error.data === null ? "" : ` (${JSON.stringify(error.data).slice(0, 500)})`;
    return `${error.message}${data}`;
  }
  return String(error);
}

async function pickVersion(): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    SWAGGER_VERSIONS.map((v) => ({ label: v.version, description: v.description })),
    { title: "scorelint: Show Swagger", placeHolder: "Which document version?" },
  );
  return picked?.label;
}

/**
 * Asks the server for the Swagger / OpenAPI document of the entry script (the sandbox imports the saved file
 * with the selected interpreter) and opens it in a JSON editor. Returns the opened document (for tests).
 */
async function showSwagger(ctl: ServerController, log: vscode.LogOutputChannel, uri?: vscode.Uri, version?: string):
  Promise<vscode.TextDocument | undefined> {
  const doc = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : targetDocument(undefined);
  if (!doc || doc.uri.scheme !== "file") {
    void vscode.window.showWarningMessage("scorelint: open a saved Python entry script (score.py) first.");
    return undefined;
  }
  const client = ctl.languageClient;
  if (!client) {
    void vscode.window.showErrorMessage(`scorelint: the server is not running (${ctl.state.message ?? ctl.state.status}).`);
    return undefined;
  }
  if (doc.isDirty && !(await doc.save())) {
    void vscode.window.showWarningMessage("scorelint: save the script first: the sandbox imports the file on disk.");
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {  // Show Swagger imports the script: the project's code runs
    void vscode.window.showWarningMessage("scorelint: Show Swagger imports the script in the sandbox; trust this " +
      "workspace first (Workspaces: Manage Workspace Trust).");
    return undefined;
  }
  const chosen = version ?? (await pickVersion());
  if (!chosen) return undefined;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "scorelint: importing the script in the sandbox…" },
    () => client.sendRequest(ExecuteCommandRequest.type, {
      command: "scorelint.showSwagger",
      arguments: swaggerRequestArguments(client.code2ProtocolConverter.asUri(doc.uri), chosen),
    }).then(readSwaggerResult, (error: unknown) => ({ ok: false as const, message: errorMessage(error) })),
  );
  if (!result.ok) {
    log.error(`Show Swagger: ${result.message}`);
    void vscode.window.showErrorMessage(`scorelint: no Swagger document: ${result.message}`, "Show Log").then((c) => {
      if (c) log.show(true);
    });
    return undefined;
  }
  if (result.reducedIsolation) {  // said every time: the script ran with less isolation than usual
    log.warn(`Show Swagger: ${result.reducedIsolation}`);
    void vscode.window.showWarningMessage(`scorelint: ${result.reducedIsolation}`);
  }
  const opened = await vscode.workspace.openTextDocument({ language: "json", content: formatSwagger(result) });
  await vscode.window.showTextDocument(opened, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  return opened;
}
