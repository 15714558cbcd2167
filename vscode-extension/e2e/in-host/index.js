// Runs INSIDE the real VS Code extension host (code-server), loaded through the workbench URL payload
// ["extensionTestsPath", ...]. It drives the INSTALLED scorelint extension through the public `vscode` API
// only and writes what it saw as JSON; tests/editors/test_vscode_e2e.py makes the assertions.
// Input: the JSON file named by $SCORELINT_E2E_CONFIG:
//   { "out": path, "script": "score.py", "quickFix": {"code": "SL102", "titleContains": "..."},
//     "swaggerVersions": ["2", "3"], "badInterpreter": "/path/to/python-without-scorelint" }
const vscode = require("vscode");
const fs = require("fs");

const EXTENSION_ID = "scorelint.scorelint";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

function diagnosticJson(d) {
  const code = d.code && typeof d.code === "object" ? d.code.value : d.code;
  const href = d.code && typeof d.code === "object" && d.code.target ? d.code.target.toString() : null;
  return {
    code: code === undefined ? null : String(code),
    href,
    message: d.message,
    // the finding's help: the related information VS Code shows under the message in the Problems panel
    related: (d.relatedInformation || []).map((r) => r.message),
    source: d.source,
    severity: vscode.DiagnosticSeverity[d.severity],
    range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
  };
}

function scorelintDiagnostics(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "scorelint");
}

/** Waits until the scorelint diagnostics are present and unchanged for a moment. */
async function stableDiagnostics(uri, timeoutMs) {
  let last = "";
  let since = Date.now();
  return waitFor("scorelint diagnostics", () => {
    const now = JSON.stringify(scorelintDiagnostics(uri).map(diagnosticJson));
    if (now !== last) {
      last = now;
      since = Date.now();
      return undefined;
    }
    return now !== "[]" && Date.now() - since > 750 ? scorelintDiagnostics(uri) : undefined;
  }, timeoutMs);
}

async function revert(doc) {
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand("workbench.action.files.revert");
  await waitFor("the revert", () => !doc.isDirty, 10000);
}

async function step(result, name, fn) {
  const t0 = Date.now();
  try {
    result[name] = await fn();
  } catch (e) {
    result[name] = { error: String((e && e.stack) || e) };
  }
  result.timings[name] = Date.now() - t0;
}

exports.run = async function run() {
  const config = JSON.parse(fs.readFileSync(process.env.SCORELINT_E2E_CONFIG, "utf8"));
  const result = { timings: {} };
  try {
    const folder = vscode.workspace.workspaceFolders[0];
    const uri = vscode.Uri.joinPath(folder.uri, config.script);
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    result.extension = ext ? { path: ext.extensionPath, version: ext.packageJSON.version } : null;
    if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const api = await ext.activate();
    result.original = doc.getText();

    await step(result, "activation", async () => {
      const state = await waitFor("the server to start", () =>
        ["running", "failed", "disabled"].includes(api.state.status) ? api.state : undefined, 60000);
      return { status: state.status, message: state.message || null, interpreter: state.interpreter || null };
    });

    await step(result, "diagnostics", async () => (await stableDiagnostics(uri, 60000)).map(diagnosticJson));

    // Show Swagger, on the unmodified (saved) script: one document per requested version.
    await step(result, "swagger", async () => {
      const out = {};
      for (const version of config.swaggerVersions || []) {
        const opened = await vscode.commands.executeCommand("scorelint.openSwagger", uri, version);
        out[version] = opened
          ? { languageId: opened.languageId, text: opened.getText(), untitled: opened.isUntitled,
              active: vscode.window.activeTextEditor && vscode.window.activeTextEditor.document === opened }
          : null;
      }
      await vscode.window.showTextDocument(doc);
      return out;
    });

    // A quick fix for one diagnostic, from the code-action provider the extension registered.
    await step(result, "quickFix", async () => {
      const target = scorelintDiagnostics(uri).find((d) => diagnosticJson(d).code === config.quickFix.code);
      if (!target) throw new Error(`no ${config.quickFix.code} diagnostic`);
      const actions = await vscode.commands.executeCommand(
        "vscode.executeCodeActionProvider", uri, target.range, vscode.CodeActionKind.QuickFix.value, 10);
      const titles = (actions || []).map((a) => a.title);
      const chosen = (actions || []).find((a) => a.title.includes(config.quickFix.titleContains));
      if (!chosen) return { titles, applied: false };
      const applied = chosen.edit ? await vscode.workspace.applyEdit(chosen.edit) : false;
      if (chosen.command) await vscode.commands.executeCommand(chosen.command.command, ...(chosen.command.arguments || []));
      const text = doc.getText();
      // the server re-lints the edited buffer: the fixed diagnostic goes away
      const after = await waitFor("diagnostics after the fix", () => {
        const now = scorelintDiagnostics(uri);
        return now.every((d) => diagnosticJson(d).code !== config.quickFix.code) ? now : undefined;
      }, 30000).then((ds) => ds.map(diagnosticJson), (e) => ({ error: String(e) }));
      await revert(doc);
      return { titles, applied, text, diagnosticsAfter: after };
    });

    // "scorelint: Fix all" (source.fixAll.scorelint), then put the file back.
    await step(result, "fixAll", async () => {
      await stableDiagnostics(uri, 30000);
      const changed = await vscode.commands.executeCommand("scorelint.fixAll", uri);
      const text = doc.getText();
      await revert(doc);
      return { changed, text };
    });

    // Settings change -> restart; an interpreter without scorelint -> the failed state with the install offer.
    if (config.badInterpreter) {
      await step(result, "badInterpreter", async () => {
        const settings = vscode.workspace.getConfiguration("scorelint", folder.uri);
        const good = settings.inspect("interpreter").workspaceValue;
        const failed = new Promise((resolve) => {
          const sub = api.onDidChangeState((s) => {
            if (s.status === "failed" || s.status === "running") { sub.dispose(); resolve(s); }
          });
        });
        await settings.update("interpreter", [config.badInterpreter], vscode.ConfigurationTarget.Workspace);
        const state = await Promise.race([failed, sleep(60000).then(() => api.state)]);
        const bad = { status: state.status, message: state.message || null, offerInstall: !!state.offerInstall,
          diagnosticsWhileFailed: scorelintDiagnostics(uri).length };
        await settings.update("interpreter", good, vscode.ConfigurationTarget.Workspace);
        const back = await waitFor("the server to run again", () => api.state.status === "running" ? api.state : undefined, 60000);
        const diagnosticsAgain = (await stableDiagnostics(uri, 60000)).map(diagnosticJson);
        return { bad, recovered: back.status, diagnosticsAgain: diagnosticsAgain.length };
      });
    }
    result.finished = true;
  } catch (e) {
    result.error = String((e && e.stack) || e);
  }
  fs.writeFileSync(config.out + ".tmp", JSON.stringify(result, null, 1));
  fs.renameSync(config.out + ".tmp", config.out);
};
