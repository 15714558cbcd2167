// The status bar item: scorelint's server starting / running / failed / disabled; click for the log.
import * as vscode from "vscode";
import { describeInterpreter } from "../logic/interpreter";
import type { ServerState } from "./server";

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem("scorelint.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "scorelint";
    this.item.command = "scorelint.showLogs";
  }

  show(state: ServerState): void {
    const icon = { starting: "$(sync~spin)", running: "$(check)", failed: "$(error)", disabled: "$(circle-slash)", stopped: "$(debug-stop)" }[state.status];
    this.item.text = `${icon} scorelint`;
    const lines = [`scorelint: ${state.status}`];
    if (state.scorelintVersion) lines.push(`version ${state.scorelintVersion}`);
    if (state.interpreter) lines.push(`interpreter: ${describeInterpreter(state.interpreter)}`);
    if (state.message) lines.push(state.message);
    lines.push("Click to show the log.");
    this.item.tooltip = lines.join("\n");
    this.item.backgroundColor = state.status === "failed" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    this.item.accessibilityInformation = { label: `scorelint ${state.status}` };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
