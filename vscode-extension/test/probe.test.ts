import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import type { Interpreter } from "../src/logic/interpreter";
import { installCommand, probeCommand, readProbe, serverCommand } from "../src/logic/probe";
import { runProcess } from "../src/logic/process";

const venv: Interpreter = { command: "/env/bin/python", args: ["-X", "utf8"], source: "setting" };

describe("commands built for an interpreter", () => {
  it("keeps the interpreter's own arguments before -m / -c", () => {
    assert.deepEqual(serverCommand(venv), { command: "/env/bin/python", args: ["-X", "utf8", "-m", "scorelint_lsp"] });
    assert.deepEqual(installCommand(venv),
      { command: "/env/bin/python", args: ["-X", "utf8", "-m", "pip", "install", "scorelint[lsp]"] });
    const probe = probeCommand(venv);
    assert.deepEqual(probe.args.slice(0, 3), ["-X", "utf8", "-c"]);
  });
});

describe("readProbe", () => {
  it("accepts a good answer", () => {
    const got = readProbe(venv, { exitCode: 0, stderr: "",
      stdout: '{"executable": "/env/bin/python", "version": [3, 11, 7], "ok": true, "scorelint": "0.1.0"}\n' });
    assert.deepEqual(got, { ok: true, offerInstall: false, message: "", executable: "/env/bin/python",
      pythonVersion: "3.11.7", scorelintVersion: "0.1.0" });
  });

  it("offers to install when the module is missing", () => {
    const got = readProbe(venv, { exitCode: 0, stderr: "", stdout:
      '{"executable": "/env/bin/python", "version": [3, 12, 1], "ok": false, "error": "ModuleNotFoundError: No module named \'pygls\'", "missing": "pygls"}' });
    assert.equal(got.ok, false);
    assert.equal(got.offerInstall, true);
    assert.match(got.message, /cannot import scorelint_lsp \('pygls' is missing\)\. Install scorelint\[lsp\]/);
  });

  it("refuses an old Python without offering pip", () => {
    const got = readProbe(venv, { exitCode: 0, stderr: "", stdout: '{"version": [3, 9, 18], "ok": false, "missing": "scorelint"}' });
    assert.equal(got.offerInstall, false);
    assert.match(got.message, /needs Python 3\.11 or newer; .* is Python 3\.9\.18/);
  });

  it("explains a missing executable, a timeout and garbage output", () => {
    assert.match(readProbe(venv, { spawnError: { code: "ENOENT", message: "spawn ENOENT" }, exitCode: null, stdout: "", stderr: "" }).message,
      /\/env\/bin\/python -X utf8 \(from the scorelint.interpreter setting\) does not exist/);
    assert.match(readProbe(venv, { exitCode: null, stdout: "", stderr: "", timedOut: true }).message, /did not answer/);
    assert.match(readProbe(venv, { exitCode: 1, stdout: "", stderr: "Fatal Python error: bad\n" }).message,
      /could not be used: Fatal Python error: bad/);
  });
});

// The probe program itself, run by real interpreters: the project's (which has scorelint[lsp]) and a bare venv.
describe("the probe against real interpreters", () => {
  const projectPython = process.env.SCORELINT_TEST_PYTHON;

  it("finds scorelint_lsp in the project's interpreter", async () => {
    assert.ok(projectPython, "set SCORELINT_TEST_PYTHON to a Python with scorelint[lsp] installed");
    const interp: Interpreter = { command: projectPython, args: [], source: "setting" };
    const cmd = probeCommand(interp);
    const got = readProbe(interp, await runProcess(cmd.command, cmd.args, os.tmpdir(), 30_000));
    assert.equal(got.ok, true, got.message);
    assert.match(got.pythonVersion ?? "", /^3\.\d+\.\d+$/);
  });

  it("reports scorelint missing from a fresh venv, and offers the install", async () => {
    assert.ok(projectPython, "set SCORELINT_TEST_PYTHON to a Python with scorelint[lsp] installed");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scorelint-probe-"));
    try {
      execFileSync(projectPython, ["-m", "venv", "--without-pip", path.join(dir, "venv")]);
      const interp: Interpreter = { command: path.join(dir, "venv", "bin", "python"), args: [], source: "setting" };
      const cmd = probeCommand(interp);
      const got = readProbe(interp, await runProcess(cmd.command, cmd.args, dir, 30_000));
      assert.equal(got.ok, false);
      assert.equal(got.offerInstall, true);
      assert.match(got.message, /cannot import scorelint_lsp \('scorelint' is missing\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports an interpreter that does not exist", async () => {
    const interp: Interpreter = { command: "/nonexistent/bin/python", args: [], source: "setting" };
    const cmd = probeCommand(interp);
    const got = readProbe(interp, await runProcess(cmd.command, cmd.args, os.tmpdir(), 30_000));
    assert.equal(got.ok, false);
    assert.match(got.message, /does not exist/);
  });
});
