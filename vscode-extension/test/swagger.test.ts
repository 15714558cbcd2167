import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { formatSwagger, readSwaggerResult, swaggerRequestArguments } from "../src/logic/swagger";

describe("Show Swagger", () => {
  it("sends the document URI and the version", () => {
    assert.deepEqual(swaggerRequestArguments("file:///w/score.py", "3"), [{ uri: "file:///w/score.py", version: "3" }]);
  });

  it("reads a document, a document with its text, and failures", () => {
    assert.deepEqual(readSwaggerResult({ swagger: "2.0" }), { ok: true, document: { swagger: "2.0" } });
    assert.deepEqual(readSwaggerResult({ document: { swagger: "2.0" }, text: "{}" }),
      { ok: true, document: { swagger: "2.0" }, text: "{}" });
    assert.deepEqual(readSwaggerResult({ document: {}, reducedIsolation: "the sandbox ran with less isolation" }),
      { ok: true, document: {}, text: undefined, reducedIsolation: "the sandbox ran with less isolation" });
    assert.deepEqual(readSwaggerResult({ error: "ImportError: no module named torch" }),
      { ok: false, message: "ImportError: no module named torch" });
    assert.equal(readSwaggerResult(null).ok, false);
    assert.equal(readSwaggerResult([1]).ok, false);
  });

  it("prints like `scorelint swagger` when the server sends no text", () => {
    assert.equal(formatSwagger({ document: { a: [1] } }), '{\n  "a": [\n    1\n  ]\n}\n');
    assert.equal(formatSwagger({ document: {}, text: "{}" }), "{}\n");
  });
});
