import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { initializationOptions, notificationLevel, parseArgs, shouldNotify, toServerSettings } from "../src/logic/settings";

describe("parseArgs", () => {
  it("maps command-line flags to overrides, in both spellings, adding repeated flags", () => {
    const got = parseArgs(["--select", "SL0,SL1", "--select=status-500", "--ignore", " SL004 , ", "--extend-select=SL9",
      "--kind", "batch", "--config=${workspaceFolder}/ci/pyproject.toml"], (v) => v.replace("${workspaceFolder}", "/w"));
    assert.deepEqual(got.problems, []);
    assert.deepEqual(got.overrides, {
      select: ["SL0", "SL1", "status-500"],
      ignore: ["SL004"],
      extendSelect: ["SL9"],
      kind: "batch",
      config: "/w/ci/pyproject.toml",
    });
  });

  it("reports what it cannot use and keeps the rest", () => {
    const got = parseArgs(["--fix", "--select", "SL1", "--kind", "weird", "--ignore"]);
    assert.deepEqual(got.overrides, { select: ["SL1"] });
    assert.equal(got.problems.length, 3);
    assert.match(got.problems[0], /'--fix' is not an option/);
    assert.match(got.problems[1], /--kind must be one of auto, online, batch/);
    assert.match(got.problems[2], /--ignore needs a value/);
  });

  it("rejects a non-list", () => {
    assert.deepEqual(parseArgs("--select SL1").overrides, {});
    assert.equal(parseArgs("--select SL1").problems.length, 1);
    assert.deepEqual(parseArgs(undefined), { overrides: {}, problems: [] });
  });
});

describe("toServerSettings", () => {
  it("gives defaults for unset values and sends no empty overrides", () => {
    const { settings, problems } = toServerSettings({});
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { enable: true, sandbox: { onSave: false, trustProject: true } });
  });

  it("in an untrusted workspace, never runs the sandbox nor lets the project choose its interpreter", () => {
    const { settings } = toServerSettings({ sandboxOnSave: true, sandboxRequireIsolation: true }, (v) => v, false);
    assert.deepEqual(settings.sandbox, { onSave: false, trustProject: false, requireIsolation: true });
  });

  it("maps every scorelint.* setting the server uses, and keeps client-only ones out", () => {
    const { settings } = toServerSettings({
      enable: false, args: ["--ignore", "SL008", "--select=SL0,SL1", "--kind", "online", "--config", "ci.toml"],
      sandboxOnSave: true, sandboxRequireIsolation: true, showNotifications: "always", interpreter: ["/x"],
    });
    assert.deepEqual(settings, {
      enable: false, select: ["SL0", "SL1"], ignore: ["SL008"], kind: "online", configFile: "ci.toml",
      sandbox: { onSave: true, trustProject: true, requireIsolation: true },
    });
  });

  it("treats junk values as their defaults", () => {
    const { settings } = toServerSettings({ enable: "yes", sandboxOnSave: 1, showNotifications: "loud" });
    assert.equal(settings.enable, false);
    assert.equal(settings.sandbox.onSave, false);
  });

  it("wraps them as initializationOptions", () => {
    const { settings } = toServerSettings({ args: ["--ignore", "SL1"] });
    assert.deepEqual(initializationOptions(settings), { settings });
  });
});

// The other end of the agreement: the server's own settings parser (lsp/scorelint_lsp/settings.py) must
// accept what the extension sends, without complaints, and turn it into the same engine overrides.
describe("the server reads what the extension sends", () => {
  it("EditorSettings.parse accepts initializationOptions", () => {
    const python = process.env.SCORELINT_TEST_PYTHON;
    assert.ok(python, "set SCORELINT_TEST_PYTHON to a Python with scorelint[lsp] installed");
    const { settings } = toServerSettings({
      enable: true, args: ["--select", "SL0,SL1", "--extend-select=SL9", "--ignore", "status-500", "--kind=batch",
        "--config", "/tmp/pyproject.toml"], sandboxOnSave: true, sandboxRequireIsolation: true,
    }, (v) => v, false);
    const code = [
      "import json, sys",
      "from scorelint_lsp.settings import EditorSettings",
      "s, problems = EditorSettings.parse(json.loads(sys.argv[1]))",
      "print(json.dumps({'problems': problems, 'enable': s.enable, 'overrides': {k: list(v) if isinstance(v, tuple) else v",
      "  for k, v in s.overrides.items()}, 'config_file': str(s.config_file), 'on_save': s.sandbox_on_save,",
      "  'sandbox': s.sandbox}))",
    ].join("\n");
    const out = JSON.parse(execFileSync(python, ["-c", code, JSON.stringify(initializationOptions(settings))], { encoding: "utf8" }));
    assert.deepEqual(out, {
      problems: [], enable: true, config_file: "/tmp/pyproject.toml", on_save: false,
      overrides: { select: ["SL0", "SL1"], extend_select: ["SL9"], ignore: ["status-500"], kind: "batch" },
      sandbox: { "trust-project": false, "require-isolation": true },
    });
  });
});

describe("notifications", () => {
  it("follows the showNotifications level", () => {
    assert.equal(notificationLevel(undefined), "onError");
    const table: [string, boolean, boolean, boolean][] = [
      ["off", false, false, false], ["onError", true, false, false], ["onWarning", true, true, false], ["always", true, true, true],
    ];
    for (const [level, error, warning, info] of table) {
      const l = notificationLevel(level);
      assert.deepEqual([shouldNotify(l, "error"), shouldNotify(l, "warning"), shouldNotify(l, "info")], [error, warning, info], level);
    }
  });
});
