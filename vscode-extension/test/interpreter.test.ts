import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  describeInterpreter,
  expandVariables,
  normalizeInterpreterSetting,
  resolveInterpreter,
  sameInterpreter,
  VariableContext,
} from "../src/logic/interpreter";

const ctx: VariableContext = { workspaceFolder: "/work/project", userHome: "/home/ada", env: { VENV: "/opt/venv" } };

describe("resolveInterpreter", () => {
  it("prefers the scorelint.interpreter setting over the Python extension", () => {
    const got = resolveInterpreter(
      { setting: ["/usr/bin/python3.12", "-X", "utf8"], pythonExtension: ["/env/bin/python"], platform: "linux" }, ctx);
    assert.deepEqual(got, { command: "/usr/bin/python3.12", args: ["-X", "utf8"], source: "setting" });
  });

  it("uses the Python extension's environment when the setting is empty", () => {
    for (const setting of [[], undefined, "", [""], ["  "]]) {
      const got = resolveInterpreter({ setting, pythonExtension: ["/env/bin/python"], platform: "linux" }, ctx);
      assert.deepEqual(got, { command: "/env/bin/python", args: [], source: "python-extension" }, JSON.stringify(setting));
    }
  });

  it("falls back to python3 on PATH (python on Windows)", () => {
    assert.deepEqual(resolveInterpreter({ setting: [], platform: "linux" }, ctx),
      { command: "python3", args: [], source: "path" });
    assert.deepEqual(resolveInterpreter({ setting: [], pythonExtension: [], platform: "win32" }, ctx),
      { command: "python", args: [], source: "path" });
  });

  it("ignores a malformed setting instead of running it", () => {
    for (const setting of [42, { path: "/x" }, ["/x", 3], null]) {
      assert.equal(resolveInterpreter({ setting, platform: "linux" }, ctx).source, "path", JSON.stringify(setting));
    }
  });

  it("accepts a single string, as older settings files have it", () => {
    assert.deepEqual(normalizeInterpreterSetting(" /usr/bin/python3 "), ["/usr/bin/python3"]);
  });

  it("expands variables and makes relative paths workspace-relative", () => {
    assert.equal(resolveInterpreter({ setting: ["${workspaceFolder}/.venv/bin/python"], platform: "linux" }, ctx).command,
      "/work/project/.venv/bin/python");
    assert.equal(resolveInterpreter({ setting: [".venv/bin/python"], platform: "linux" }, ctx).command,
      "/work/project/.venv/bin/python");
    assert.equal(resolveInterpreter({ setting: ["~/envs/a/bin/python"], platform: "linux" }, ctx).command,
      "/home/ada/envs/a/bin/python");
    assert.equal(resolveInterpreter({ setting: ["${env:VENV}/bin/python"], platform: "linux" }, ctx).command,
      "/opt/venv/bin/python");
    // a bare command name stays a PATH lookup
    assert.equal(resolveInterpreter({ setting: ["python3.11"], platform: "linux" }, ctx).command, "python3.11");
  });
});

describe("expandVariables", () => {
  it("leaves ${workspaceFolder} alone when there is no folder, and empties unknown env vars", () => {
    const noFolder: VariableContext = { userHome: "/h", env: {} };
    assert.equal(expandVariables("${workspaceFolder}/x", noFolder), "${workspaceFolder}/x");
    assert.equal(expandVariables("${env:NOPE}/x", noFolder), "/x");
    assert.equal(expandVariables("${userHome}/x", noFolder), "/h/x");
    assert.equal(expandVariables("a~b", noFolder), "a~b");
  });
});

describe("describeInterpreter / sameInterpreter", () => {
  it("says where the interpreter came from and quotes odd paths", () => {
    assert.equal(describeInterpreter({ command: "/p q/python", args: [], source: "setting" }),
      '"/p q/python" (from the scorelint.interpreter setting)');
    assert.equal(describeInterpreter({ command: "python3", args: [], source: "path" }), "python3 (found on PATH)");
  });

  it("compares command and arguments", () => {
    const a = { command: "/a", args: ["-X"], source: "setting" as const };
    assert.ok(sameInterpreter(a, { ...a, source: "python-extension" }));
    assert.ok(!sameInterpreter(a, { ...a, args: [] }));
    assert.ok(!sameInterpreter(a, undefined));
  });
});
