// Reads the `scorelint.*` settings from VS Code and maps them with the pure logic in ../logic/settings.ts.
import * as os from "os";
import * as vscode from "vscode";
import { expandVariables, VariableContext } from "../logic/interpreter";
import { RawSettings, ServerSettings, toServerSettings } from "../logic/settings";

export const SECTION = "scorelint";

export function variableContext(folder: vscode.WorkspaceFolder | undefined): VariableContext {
  return { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env };
}

export function readRawSettings(scope: vscode.ConfigurationScope | undefined): RawSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    enable: config.get("enable"),
    interpreter: config.get("interpreter"),
    args: config.get("args"),
    sandboxOnSave: config.get("sandbox.onSave"),
    sandboxRequireIsolation: config.get("sandbox.requireIsolation"),
    showNotifications: config.get("showNotifications"),
  };
}

/**
 * The server's settings for a workspace folder (or for files outside every folder). In a workspace the user
 * has not trusted, VS Code gives only the user's own values of the restricted settings (package.json,
 * capabilities.untrustedWorkspaces) and the sandbox never runs.
 */
export function serverSettings(folder: vscode.WorkspaceFolder | undefined): { settings: ServerSettings; problems: string[] } {
  const ctx = variableContext(folder);
  return toServerSettings(readRawSettings(folder), (v) => expandVariables(v, ctx), vscode.workspace.isTrusted);
}

/** The server's settings for the folder holding `scopeUri` (the answer to `workspace/configuration`). */
export function serverSettingsForScope(scopeUri: string | undefined): ServerSettings {
  const folder = scopeUri ? vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(scopeUri)) : undefined;
  return serverSettings(folder ?? vscode.workspace.workspaceFolders?.[0]).settings;
}
