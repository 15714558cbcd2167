// The `scorelint.showSwagger` server command: its arguments and how its answer is read. Pure logic.

export const SWAGGER_VERSIONS: readonly { version: string; description: string }[] = [
  { version: "2", description: "Swagger 2.0 (what /swagger.json serves by default)" },
  { version: "3", description: "OpenAPI 3.0" },
  { version: "3.1", description: "OpenAPI 3.1" },
];

export function swaggerRequestArguments(uri: string, version: string): unknown[] {
  return [{ uri, version }];
}

/** reducedIsolation: the server's sentence when the sandbox ran with less than its full isolation. */
export type SwaggerResult =
  | { ok: true; document: unknown; text?: string; reducedIsolation?: string }
  | { ok: false; message: string };

/**
 * Accepts `{document, text?}` (text: the exact output of `scorelint swagger`), `{error}` / `{message}` for a
 * failure, or a bare document object.
 */
export function readSwaggerResult(raw: unknown): SwaggerResult {
  if (raw === null || raw === undefined) {
    return { ok: false, message: "the server returned nothing" };
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, message: `unexpected answer from the server: ${JSON.stringify(raw).slice(0, 200)}` };
  }
  const obj = raw as Record<string, unknown>;
  if (typeof obj.error === "string" || (obj.ok === false && typeof obj.message === "string")) {
    return { ok: false, message: String(obj.error ?? obj.message) };
  }
  if ("document" in obj) {
    const reducedIsolation = typeof obj.reducedIsolation === "string" ? obj.reducedIsolation : undefined;
    return { ok: true, document: obj.document, text: typeof obj.text === "string" ? obj.text : undefined,
      ...(reducedIsolation ? { reducedIsolation } : {}) };
  }
  return { ok: true, document: raw };
}

/** The editor's content: the server's text when given, else the document indented like `scorelint swagger`. */
export function formatSwagger(result: { document: unknown; text?: string }): string {
  if (result.text !== undefined) return result.text.endsWith("\n") ? result.text : result.text + "\n";
  return JSON.stringify(result.document, null, 2) + "\n";
}
