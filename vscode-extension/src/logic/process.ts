// Runs a short process (the import probe, pip) and collects what happened. Node only, no `vscode`.
import { execFile } from "child_process";
import type { ProcessResult } from "./probe";

export function serverEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" };
}

export function runProcess(command: string, args: string[], cwd: string, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: serverEnv() },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }) | null;
        if (err && typeof err.code === "string") {
          resolve({ spawnError: { code: err.code, message: err.message }, exitCode: null, stdout, stderr });
          return;
        }
        resolve({
          exitCode: err ? (typeof err.code === "number" ? err.code : null) : 0,
          stdout,
          stderr,
          timedOut: Boolean(err?.killed),
        });
      });
  });
}
