// package.json and the code agree: every contributed command is registered (and nothing else under
// `scorelint.` clashes with the commands the language client registers for the server), and every
// contributed setting is read.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const source = (file: string) => fs.readFileSync(path.join(root, "src", file), "utf8");

// Commands the server registers through workspace/executeCommand (lsp/scorelint_lsp/server.py); the
// language client turns them into VS Code commands of the same id, so the extension must not reuse them.
const SERVER_COMMANDS = ["scorelint.showSwagger", "scorelint.applyFixAll"];

describe("package.json", () => {
  it("contributes exactly the commands the extension registers", () => {
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    const registered = [...source("common/commands.ts").matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(contributed, registered);
    for (const id of SERVER_COMMANDS) assert.ok(!contributed.includes(id), `${id} is the server's command`);
  });

  it("titles the commands as the palette shows them", () => {
    const titles = manifest.contributes.commands.map((c: { category: string; title: string }) => `${c.category}: ${c.title}`);
    for (const title of ["scorelint: Show Swagger", "scorelint: Restart Server", "scorelint: Fix all"]) {
      assert.ok(titles.includes(title), title);
    }
  });

  it("describes every setting, and the extension reads each one", () => {
    const properties = manifest.contributes.configuration.properties as Record<string, { description?: string; markdownDescription?: string }>;
    assert.deepEqual(Object.keys(properties).sort(),
      ["scorelint.args", "scorelint.enable", "scorelint.interpreter", "scorelint.sandbox.onSave",
        "scorelint.sandbox.requireIsolation", "scorelint.showNotifications"]);
    const reader = source("common/settings.ts");
    for (const [key, value] of Object.entries(properties)) {
      assert.ok(value.description || value.markdownDescription, `${key} has no description`);
      assert.ok(reader.includes(`config.get("${key.slice("scorelint.".length)}")`), `${key} is never read`);
    }
  });

  it("declares Workspace Trust: limited, with every setting that chooses what runs restricted", () => {
    const trust = manifest.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, "limited");
    assert.deepEqual([...trust.restrictedConfigurations].sort(), ["scorelint.args", "scorelint.interpreter",
      "scorelint.sandbox.onSave", "scorelint.sandbox.requireIsolation"]);
    const swagger = manifest.contributes.commands.find((c: { command: string }) => c.command === "scorelint.openSwagger");
    assert.match(swagger.enablement, /isWorkspaceTrusted/);
    assert.match(source("common/commands.ts"), /if \(!vscode\.workspace\.isTrusted\)/);
    assert.match(source("common/server.ts"), /vscode\.workspace\.isTrusted \? await pythonExtensionInterpreter/);
  });

  it("activates on Python and YAML files (deployments, conda files) and names the bundled entry point", () => {
    assert.deepEqual(manifest.activationEvents, ["onLanguage:python", "onLanguage:yaml"]);
    assert.equal(manifest.main, "./dist/extension.js");
    assert.equal(manifest.serverInfo.module, "scorelint_lsp");
  });
});
